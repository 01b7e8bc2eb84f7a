import * as auth from '$lib/server/auth';
import * as conversations from '$lib/server/conversations';
import { api, noContent } from '$lib/server/http/api';
import type { RequestHandler } from './$types';

/** Deletes the message and everything after it on its branch. */
export const DELETE: RequestHandler = api(async ({ locals, params }) => {
	const caller = auth.requireUser(locals);
	await conversations.deleteMessage(caller.user.id, params.id, params.message_id);
	return noContent();
});
