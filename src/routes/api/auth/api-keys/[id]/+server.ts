import type { RequestHandler } from './$types';
import * as auth from '$lib/server/auth';
import { api, noContent } from '$lib/server/http/api';

export const DELETE: RequestHandler = api(async ({ locals, params }) => {
	const caller = auth.requireUser(locals);
	await auth.revokeApiKey(params.id, caller.user.id, caller.user.isAdmin);
	return noContent();
});
