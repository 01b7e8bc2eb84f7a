import { redirect } from '@sveltejs/kit';
import * as auth from '$lib/server/auth';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	if (locals.caller) redirect(303, '/');
	return { firstRun: await auth.noUsersYet() };
};
