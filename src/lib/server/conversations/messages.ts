/** Messages of a saved conversation: added, deleted (with the rest of their branch), answers saved as they stream. */
import { randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { latestLeafUnder } from '$lib/types/conversations';
import { getDb, schema } from '../db';
import { BadRequestError, NotFoundError } from '../http/errors';
import { singleton } from '../http/singleton';
import type { AddMessage } from './schemas';
import { getConversation, loadConversation, nextStamp, titleFrom, touchConversation } from './store';

const { conversationMessages: messages } = schema;
type Row = schema.ConversationMessage;

export const messageNotFound = () => new NotFoundError('Message not found', 'message_not_found');

/**
 * Answers being written by this process. A stored `streaming` answer that is not in this set was cut
 * off (a restart, a crash): it is shown, and kept, as `stopped`.
 */
export function activeAnswers(): Set<string> {
	return singleton('conversations.activeAnswers', () => new Set<string>());
}

/** Marks answers left `streaming` by an earlier process as stopped; returns the rows as they now are. */
export async function settleInterrupted(rows: Row[]): Promise<Row[]> {
	const stale = rows.filter((r) => r.status === 'streaming' && !activeAnswers().has(r.id));
	if (stale.length === 0) return rows;
	await getDb()
		.update(messages)
		.set({ status: 'stopped', finishReason: 'cancelled' })
		.where(inArray(messages.id, stale.map((r) => r.id)));
	const ids = new Set(stale.map((r) => r.id));
	return rows.map((r) => (ids.has(r.id) ? { ...r, status: 'stopped' as const, finishReason: 'cancelled' } : r));
}

/** The owner's conversation with every message, interrupted answers settled. */
export async function readConversation(userId: string, id: string) {
	const { conversation, messages: rows } = await loadConversation(userId, id);
	return { conversation, messages: await settleInterrupted(rows) };
}

export async function addMessage(userId: string, conversationId: string, input: AddMessage): Promise<Row> {
	const conversation = await getConversation(userId, conversationId);
	const parentId = input.parent_id === undefined ? conversation.currentLeafId : input.parent_id;
	if (parentId) {
		const parent = await getDb().query.conversationMessages.findFirst({
			where: and(eq(messages.id, parentId), eq(messages.conversationId, conversationId))
		});
		if (!parent) throw new BadRequestError('parent_id is not a message of this conversation', 'invalid_request');
	}
	const stamp = nextStamp();
	const [row] = await getDb()
		.insert(messages)
		.values({
			id: randomUUID(),
			conversationId,
			parentId: parentId ?? null,
			role: input.role,
			content: input.content,
			reasoning: input.reasoning ?? '',
			status: input.status ?? 'complete',
			finishReason: input.finish_reason ?? null,
			model: input.model ?? null,
			stats: input.stats ? { ...EMPTY_STATS, ...input.stats } : null,
			attachments: (input.attachments ?? []).map((a) => ({ name: a.name, text: a.text, size_bytes: Buffer.byteLength(a.text) })),
			createdAt: stamp,
			updatedAt: stamp
		})
		.returning();
	const retitle = input.role === 'user' && conversation.title === 'New chat' && (input.content.trim() || input.attachments?.length);
	await touchConversation(conversationId, {
		currentLeafId: row.id,
		...(retitle ? { title: titleFrom(input.content.trim() || input.attachments![0].name) } : {})
	});
	return row;
}

const EMPTY_STATS: schema.MessageStats = {
	ttft_ms: null,
	tokens_per_second: null,
	prompt_tokens: null,
	completion_tokens: null,
	context_window: null,
	reasoning_ms: null
};

/** Deletes a message and everything after it on its branch; the view moves to a branch that remains. */
export async function deleteMessage(userId: string, conversationId: string, messageId: string): Promise<void> {
	const { conversation, messages: rows } = await loadConversation(userId, conversationId);
	const target = rows.find((r) => r.id === messageId);
	if (!target) throw messageNotFound();
	const doomed = new Set([target.id]);
	for (let grew = true; grew; ) {
		grew = false;
		for (const r of rows) if (r.parentId && doomed.has(r.parentId) && !doomed.has(r.id)) (doomed.add(r.id), (grew = true));
	}
	await getDb().delete(messages).where(inArray(messages.id, [...doomed]));
	const left = rows.filter((r) => !doomed.has(r.id)).map((r) => ({ id: r.id, parent_id: r.parentId, created_at: r.createdAt.toISOString() }));
	let leaf = conversation.currentLeafId;
	if (!leaf || doomed.has(leaf)) {
		const sibling = left.filter((r) => r.parent_id === target.parentId).at(-1);
		leaf = sibling ? latestLeafUnder(left, sibling.id) : target.parentId;
	}
	await touchConversation(conversationId, { currentLeafId: leaf ?? null });
}

/** A new, empty answer to `parentId`, shown at once as the branch's last message. */
export async function startAnswer(conversationId: string, parentId: string, model: string): Promise<Row> {
	const stamp = nextStamp();
	const [row] = await getDb()
		.insert(messages)
		.values({ id: randomUUID(), conversationId, parentId, role: 'assistant', status: 'streaming', model, createdAt: stamp, updatedAt: stamp })
		.returning();
	await touchConversation(conversationId, { currentLeafId: row.id });
	return row;
}

export async function reopenAnswer(id: string): Promise<Row> {
	const [row] = await getDb().update(messages).set({ status: 'streaming', updatedAt: new Date() }).where(eq(messages.id, id)).returning();
	return row;
}

export type AnswerUpdate = Partial<Pick<Row, 'content' | 'reasoning' | 'status' | 'finishReason' | 'error' | 'stats'>>;

export async function saveAnswer(id: string, update: AnswerUpdate): Promise<Row | null> {
	const [row] = await getDb()
		.update(messages)
		.set({ ...update, updatedAt: new Date() })
		.where(eq(messages.id, id))
		.returning();
	return row ?? null;
}

export async function getMessage(id: string): Promise<Row | null> {
	return (await getDb().query.conversationMessages.findFirst({ where: eq(messages.id, id) })) ?? null;
}
