import type { RequestHandler } from './$types';
import * as auth from '$lib/server/auth';
import { api, noContent } from '$lib/server/http/api';
import { readJson } from '$lib/server/http/parse';

export const PUT: RequestHandler = api(async ({ locals, params, request }) => {
	const caller = auth.requireAdmin(locals);
	const body = await readJson(request, auth.UserUpdate, 16 * 1024);
	return auth.toUserPublic(await auth.updateUser(params.id, body, caller.user.id));
});

export const DELETE: RequestHandler = api(async ({ locals, params }) => {
	auth.requireAdmin(locals);
	await auth.deleteUser(params.id);
	return noContent();
});
