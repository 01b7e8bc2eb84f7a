import * as auth from '$lib/server/auth';
import * as backends from '$lib/server/backends';
import { api, created } from '$lib/server/http/api';
import { readJson } from '$lib/server/http/parse';

/** The routing rules, highest priority first. */
export const GET = api(({ locals }) => {
	auth.requireAdmin(locals);
	return backends.listRules();
});

export const POST = api(async ({ locals, request }) => {
	auth.requireAdmin(locals);
	const body = await readJson(request, backends.CreateRule, 16 * 1024);
	return created(await backends.createRule(body));
});
