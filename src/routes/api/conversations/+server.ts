import * as auth from '$lib/server/auth';
import * as conversations from '$lib/server/conversations';
import { api, created } from '$lib/server/http/api';
import { readJson, readQuery } from '$lib/server/http/parse';

/** The caller's own conversations, newest first; `?q=` searches titles and message text. */
export const GET = api(async ({ locals, url }) => {
	const caller = auth.requireUser(locals);
	const query = readQuery(url, conversations.ListQuery);
	const rows = await conversations.listConversations(caller.user.id, query);
	return rows.map(({ row, snippet }) => conversations.summaryToWire(row, snippet));
});

export const POST = api(async ({ locals, request }) => {
	const caller = auth.requireUser(locals);
	const body = await readJson(request, conversations.CreateConversation, 256 * 1024);
	const row = await conversations.createConversation(caller.user.id, body);
	return created(conversations.conversationToWire(row, []));
});
