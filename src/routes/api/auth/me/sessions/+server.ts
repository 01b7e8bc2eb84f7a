import * as auth from '$lib/server/auth';
import { api } from '$lib/server/http/api';

export const GET = api(async ({ locals }) => {
	const caller = auth.requireUser(locals);
	return auth.listOwnSessions(caller.user.id, caller.sessionId);
});
