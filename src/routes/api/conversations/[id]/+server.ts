import * as auth from '$lib/server/auth';
import * as conversations from '$lib/server/conversations';
import { api, noContent } from '$lib/server/http/api';
import { readJson } from '$lib/server/http/parse';
import type { RequestHandler } from './$types';

/** Only the owner reaches a conversation; for anyone else (admins too) it does not exist. */
export const GET: RequestHandler = api(async ({ locals, params }) => {
	const caller = auth.requireUser(locals);
	const { conversation, messages } = await conversations.readConversation(caller.user.id, params.id);
	return conversations.conversationToWire(conversation, messages);
});

/** Rename, change the chat's settings, or switch the branch on screen. */
export const PATCH: RequestHandler = api(async ({ locals, params, request }) => {
	const caller = auth.requireUser(locals);
	const body = await readJson(request, conversations.UpdateConversation, 256 * 1024);
	await conversations.updateConversation(caller.user.id, params.id, body);
	const { conversation, messages } = await conversations.readConversation(caller.user.id, params.id);
	return conversations.conversationToWire(conversation, messages);
});

export const DELETE: RequestHandler = api(async ({ locals, params }) => {
	const caller = auth.requireUser(locals);
	await conversations.deleteConversation(caller.user.id, params.id);
	return noContent();
});
