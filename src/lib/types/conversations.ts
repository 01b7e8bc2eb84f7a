/**
 * Wire shapes of the conversations API (`/api/conversations`), shared by the server and the chat page,
 * and the branch logic both use: a conversation's messages form a tree (an edited question or a
 * regenerated answer is a sibling of the message it replaces).
 */

export type ConversationSettingsWire = {
	/** A local model id or a profile name. */
	model: string;
	system_prompt: string;
	temperature: number | null;
	top_p: number | null;
	max_tokens: number | null;
	/** Most tokens of the conversation sent to the model (older turns are dropped first); null = all. */
	context_size: number | null;
};

export type MessageStatus = 'complete' | 'streaming' | 'stopped' | 'error';

export type MessageStatsWire = {
	ttft_ms: number | null;
	tokens_per_second: number | null;
	prompt_tokens: number | null;
	completion_tokens: number | null;
	/** The model's context window, for "context used". */
	context_window: number | null;
	/** How long the model spent on reasoning text before its answer. */
	reasoning_ms: number | null;
};

export type AttachmentWire = { name: string; size_bytes: number; text: string };

export type MessageWire = {
	id: string;
	parent_id: string | null;
	role: 'user' | 'assistant';
	content: string;
	reasoning: string;
	status: MessageStatus;
	finish_reason: string | null;
	error: string | null;
	model: string | null;
	stats: MessageStatsWire | null;
	attachments: AttachmentWire[];
	created_at: string;
	updated_at: string;
};

export type ConversationSummary = {
	id: string;
	title: string;
	model: string;
	created_at: string;
	updated_at: string;
	/** Where a search matched in the text of a message (a short excerpt), when it did not match the title. */
	snippet?: string | null;
};

export type ConversationWire = ConversationSummary & {
	settings: ConversationSettingsWire;
	current_leaf_id: string | null;
	/** Every message of every branch, oldest first. */
	messages: MessageWire[];
};

/** Events of `POST /api/conversations/{id}/generate` (Server-Sent Events, `data:` JSON lines). */
export type GenerateEvent =
	| { type: 'start'; message: MessageWire }
	| { type: 'delta'; content?: string; reasoning?: string }
	| { type: 'done'; message: MessageWire }
	| { type: 'error'; message: MessageWire | null; detail: string; code: string; status: number };

export const DEFAULT_SETTINGS: ConversationSettingsWire = {
	model: '',
	system_prompt: '',
	temperature: null,
	top_p: null,
	max_tokens: null,
	context_size: null
};

type TreeNode = { id: string; parent_id: string | null; created_at: string };

/** The messages from the first one down to `leafId`, in order. */
export function pathTo<M extends TreeNode>(messages: M[], leafId: string | null): M[] {
	const byId = new Map(messages.map((m) => [m.id, m]));
	const path: M[] = [];
	for (let m = leafId ? byId.get(leafId) : undefined; m; m = m.parent_id ? byId.get(m.parent_id) : undefined) {
		path.push(m);
		if (path.length > messages.length) break; // a cycle: never in stored data, but never loop
	}
	return path.reverse();
}

/** Messages sharing `message`'s parent (itself included), oldest first: the `< 1/2 >` branches. */
export function siblingsOf<M extends TreeNode>(messages: M[], message: M): M[] {
	return messages.filter((m) => m.parent_id === message.parent_id).sort(byCreated);
}

/** The newest message at the end of `id`'s branch: where a switch to that branch lands. */
export function latestLeafUnder<M extends TreeNode>(messages: M[], id: string): string {
	let current = id;
	for (let depth = 0; depth <= messages.length; depth++) {
		const children = messages.filter((m) => m.parent_id === current).sort(byCreated);
		const newest = children.at(-1);
		if (!newest) return current;
		current = newest.id;
	}
	return current;
}

function byCreated(a: TreeNode, b: TreeNode): number {
	return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : 1;
}
