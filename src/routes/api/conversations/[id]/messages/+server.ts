import * as auth from '$lib/server/auth';
import * as conversations from '$lib/server/conversations';
import { api, created } from '$lib/server/http/api';
import { readJson } from '$lib/server/http/parse';
import type { RequestHandler } from './$types';

/** Adds a message (after `parent_id`, else after the branch on screen). */
export const POST: RequestHandler = api(async ({ locals, params, request }) => {
	const caller = auth.requireUser(locals);
	const body = await readJson(request, conversations.AddMessage, 4 * 1024 * 1024);
	return created(conversations.messageToWire(await conversations.addMessage(caller.user.id, params.id, body)));
});
