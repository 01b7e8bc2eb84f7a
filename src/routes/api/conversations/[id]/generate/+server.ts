import * as auth from '$lib/server/auth';
import * as conversations from '$lib/server/conversations';
import { api } from '$lib/server/http/api';
import { readJson } from '$lib/server/http/parse';
import type { RequestHandler } from './$types';

/** Streams an answer (Server-Sent Events) that the server saves into the conversation as it goes. */
export const POST: RequestHandler = api(async (event) => {
	const caller = auth.requireUser(event.locals);
	const body = await readJson(event.request, conversations.Generate, 16 * 1024);
	return conversations.generateAnswer(event, caller, event.params.id, body);
});
