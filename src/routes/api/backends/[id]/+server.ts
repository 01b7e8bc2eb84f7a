import * as auth from '$lib/server/auth';
import * as backends from '$lib/server/backends';
import { api, noContent } from '$lib/server/http/api';
import { readJson } from '$lib/server/http/parse';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api(({ locals, params }) => {
	auth.requireAdmin(locals);
	return backends.getBackend(params.id);
});

/** Changes some fields; `api_key: null` removes the key, an absent one keeps it. */
export const PATCH: RequestHandler = api(async ({ locals, params, request }) => {
	auth.requireAdmin(locals);
	const body = await readJson(request, backends.UpdateBackend, 256 * 1024);
	return backends.changeBackend(params.id, body);
});

/** Removes the backend and the routing rules that target it. */
export const DELETE: RequestHandler = api(async ({ locals, params }) => {
	auth.requireAdmin(locals);
	await backends.removeBackend(params.id);
	return noContent();
});
