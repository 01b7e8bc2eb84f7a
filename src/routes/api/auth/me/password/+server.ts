import * as auth from '$lib/server/auth';
import { api } from '$lib/server/http/api';
import { readJson } from '$lib/server/http/parse';

/** Changes the caller's own password; every other session of theirs ends. */
export const POST = api(async ({ locals, request }) => {
	const caller = auth.requireUser(locals);
	const body = await readJson(request, auth.ChangePassword, 16 * 1024);
	return auth.changeOwnPassword(caller.user.id, caller.sessionId, body.current_password, body.new_password);
});
