import * as auth from '$lib/server/auth';
import * as backends from '$lib/server/backends';
import { api, noContent } from '$lib/server/http/api';
import { readJson } from '$lib/server/http/parse';
import type { RequestHandler } from './$types';

export const PATCH: RequestHandler = api(async ({ locals, params, request }) => {
	auth.requireAdmin(locals);
	const body = await readJson(request, backends.UpdateRule, 16 * 1024);
	return backends.updateRule(params.id, body);
});

export const DELETE: RequestHandler = api(async ({ locals, params }) => {
	auth.requireAdmin(locals);
	await backends.deleteRule(params.id);
	return noContent();
});
