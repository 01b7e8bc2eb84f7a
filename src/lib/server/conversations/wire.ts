import type { schema } from '../db';
import type { ConversationSummary, ConversationWire, MessageWire } from '$lib/types/conversations';

export function messageToWire(row: schema.ConversationMessage): MessageWire {
	return {
		id: row.id,
		parent_id: row.parentId,
		role: row.role,
		content: row.content,
		reasoning: row.reasoning,
		status: row.status,
		finish_reason: row.finishReason,
		error: row.error,
		model: row.model,
		stats: row.stats ?? null,
		attachments: row.attachments ?? [],
		created_at: row.createdAt.toISOString(),
		updated_at: row.updatedAt.toISOString()
	};
}

export function summaryToWire(row: schema.Conversation, snippet: string | null = null): ConversationSummary {
	return {
		id: row.id,
		title: row.title,
		model: row.settings.model,
		created_at: row.createdAt.toISOString(),
		updated_at: row.updatedAt.toISOString(),
		...(snippet ? { snippet } : {})
	};
}

export function conversationToWire(row: schema.Conversation, messages: schema.ConversationMessage[]): ConversationWire {
	return {
		...summaryToWire(row),
		settings: row.settings,
		current_leaf_id: row.currentLeafId,
		messages: messages.map(messageToWire)
	};
}
