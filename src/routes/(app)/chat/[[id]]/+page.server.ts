import { error } from '@sveltejs/kit';
import * as conversations from '$lib/server/conversations';
import { NotFoundError } from '$lib/server/http/errors';
import type { PageServerLoad } from './$types';

/** `/chat` is a new chat; `/chat/{id}` one of the caller's own conversations (anyone else's is a 404). */
export const load: PageServerLoad = async ({ locals, params }) => {
	if (!params.id || !locals.caller) return { conversation: null };
	try {
		const { conversation, messages } = await conversations.readConversation(locals.caller.user.id, params.id);
		return { conversation: conversations.conversationToWire(conversation, messages) };
	} catch (err) {
		if (err instanceof NotFoundError) error(404, 'Conversation not found');
		throw err;
	}
};
