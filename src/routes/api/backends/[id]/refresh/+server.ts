import * as auth from '$lib/server/auth';
import * as backends from '$lib/server/backends';
import { api } from '$lib/server/http/api';
import type { RequestHandler } from './$types';

/** Discovers the backend's models again now; answers with the backend and the check's result. */
export const POST: RequestHandler = api(({ locals, params }) => {
	auth.requireAdmin(locals);
	return backends.refreshBackend(params.id);
});
