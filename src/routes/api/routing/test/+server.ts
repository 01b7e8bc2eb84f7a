import * as auth from '$lib/server/auth';
import * as backends from '$lib/server/backends';
import { api } from '$lib/server/http/api';
import { readJson } from '$lib/server/http/parse';

/** Where a `/v1` request for this model would go: `local`, or a backend (and its fallback) by which rule. */
export const POST = api(async ({ locals, request }) => {
	auth.requireAdmin(locals);
	const { model } = await readJson(request, backends.RouteTest, 4 * 1024);
	return backends.explainRoute(model);
});
