import * as auth from '$lib/server/auth';
import * as backends from '$lib/server/backends';
import { api, created } from '$lib/server/http/api';
import { readJson } from '$lib/server/http/parse';

/** Every remote backend with its health; never an API key or a header value. */
export const GET = api(({ locals }) => {
	auth.requireAdmin(locals);
	return backends.listBackends();
});

/** Adds a backend (its key stored encrypted) and lists its models right away. */
export const POST = api(async ({ locals, request }) => {
	auth.requireAdmin(locals);
	const body = await readJson(request, backends.CreateBackend, 256 * 1024);
	return created(await backends.addBackend(body));
});
