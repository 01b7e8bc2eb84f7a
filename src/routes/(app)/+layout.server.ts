import { redirect } from '@sveltejs/kit';
import { countPendingUsers } from '$lib/server/auth';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ locals, url }) => {
	const caller = locals.caller;
	if (!caller) redirect(303, `/login?next=${encodeURIComponent(url.pathname)}`);
	return {
		user: { id: caller.user.id, email: caller.user.email, is_admin: caller.user.isAdmin },
		pendingCount: caller.user.isAdmin ? await countPendingUsers() : 0
	};
};
