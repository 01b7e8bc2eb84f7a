import * as auth from '$lib/server/auth';
import * as backends from '$lib/server/backends';
import { api } from '$lib/server/http/api';
import type { RequestHandler } from './$types';

/** Lists the backend's models now: `{ok, reason, message, latency_ms, models}` (bad key, refused, timeout, TLS…). */
export const POST: RequestHandler = api(({ locals, params }) => {
	auth.requireAdmin(locals);
	return backends.testBackend(params.id);
});
