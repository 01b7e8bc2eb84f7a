import { requireUser } from '$lib/server/auth';
import { api } from '$lib/server/http/api';
import * as library from '$lib/server/library';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api(async ({ locals }) => {
	requireUser(locals);
	return library.listLocalModels();
});
