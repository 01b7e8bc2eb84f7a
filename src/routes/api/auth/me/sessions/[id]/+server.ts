import type { RequestHandler } from './$types';
import * as auth from '$lib/server/auth';
import { api, noContent } from '$lib/server/http/api';

/** Ends one of the caller's own sessions (the current one too: that signs this browser out). */
export const DELETE: RequestHandler = api(async ({ locals, params }) => {
	const caller = auth.requireUser(locals);
	await auth.endOwnSession(caller.user.id, params.id);
	return noContent();
});
