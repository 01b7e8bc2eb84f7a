import * as auth from '$lib/server/auth';
import * as conversations from '$lib/server/conversations';
import { api } from '$lib/server/http/api';
import { readQuery } from '$lib/server/http/parse';
import type { RequestHandler } from './$types';

/** `?format=md` (the branch on screen, to read) or `?format=json` (everything, every branch). */
export const GET: RequestHandler = api(async ({ locals, params, url }) => {
	const caller = auth.requireUser(locals);
	const { format } = readQuery(url, conversations.ExportQuery);
	return conversations.exportConversation(caller.user.id, params.id, format);
});
