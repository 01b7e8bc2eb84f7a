/**
 * Saved conversations. Every function takes the owner's user id and only ever touches that user's
 * rows: another user's conversation is "not found", whoever asks (admins included).
 */
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { DEFAULT_SETTINGS } from '$lib/types/conversations';
import { getDb, schema } from '../db';
import { NotFoundError } from '../http/errors';
import { isId, MAX_TITLE, type CreateConversation, type UpdateConversation } from './schemas';

const { conversations, conversationMessages: messages } = schema;

export const notFound = () => new NotFoundError('Conversation not found', 'conversation_not_found');

let lastStamp = 0;
/** Creation times strictly increase within the process, so siblings keep their order. */
export function nextStamp(): Date {
	lastStamp = Math.max(Date.now(), lastStamp + 1);
	return new Date(lastStamp);
}

/** A title from the first message: its first line, shortened at a word. */
export function titleFrom(text: string): string {
	const line = text.trim().split('\n').find((l) => l.trim()) ?? '';
	const clean = line.replace(/\s+/g, ' ').trim();
	if (!clean) return 'New chat';
	if (clean.length <= 60) return clean;
	const cut = clean.slice(0, 60);
	const space = cut.lastIndexOf(' ');
	return `${(space > 30 ? cut.slice(0, space) : cut).trimEnd()}…`.slice(0, MAX_TITLE);
}

export async function createConversation(userId: string, input: CreateConversation = {}): Promise<schema.Conversation> {
	const stamp = nextStamp();
	const [row] = await getDb()
		.insert(conversations)
		.values({
			id: randomUUID(),
			userId,
			title: input.title ?? 'New chat',
			settings: { ...DEFAULT_SETTINGS, ...input.settings },
			createdAt: stamp,
			updatedAt: stamp
		})
		.returning();
	return row;
}

export async function getConversation(userId: string, id: string): Promise<schema.Conversation> {
	if (!isId(id)) throw notFound();
	const row = await getDb().query.conversations.findFirst({
		where: and(eq(conversations.id, id), eq(conversations.userId, userId))
	});
	if (!row) throw notFound();
	return row;
}

/** The conversation and all its messages (every branch), oldest first. */
export async function loadConversation(userId: string, id: string) {
	const conversation = await getConversation(userId, id);
	const rows = await getDb()
		.select()
		.from(messages)
		.where(eq(messages.conversationId, id))
		.orderBy(asc(messages.createdAt), asc(messages.id));
	return { conversation, messages: rows };
}

export async function updateConversation(userId: string, id: string, patch: UpdateConversation): Promise<schema.Conversation> {
	const current = await getConversation(userId, id);
	const set: Partial<schema.Conversation> = {};
	if (patch.title !== undefined) set.title = patch.title;
	if (patch.settings !== undefined) set.settings = { ...current.settings, ...patch.settings };
	if (patch.current_leaf_id !== undefined) {
		const leaf = await getDb().query.conversationMessages.findFirst({
			where: and(eq(messages.id, patch.current_leaf_id), eq(messages.conversationId, id))
		});
		if (!leaf) throw new NotFoundError('Message not found', 'message_not_found');
		set.currentLeafId = leaf.id;
	}
	// Switching branches is not an edit: only a rename or new settings move the chat up the list.
	if (patch.title !== undefined || patch.settings !== undefined) set.updatedAt = new Date();
	if (Object.keys(set).length === 0) return current;
	const [row] = await getDb()
		.update(conversations)
		.set(set)
		.where(and(eq(conversations.id, id), eq(conversations.userId, userId)))
		.returning();
	if (!row) throw notFound();
	return row;
}

/** Gone from the database at once, with every message (foreign keys cascade). */
export async function deleteConversation(userId: string, id: string): Promise<void> {
	if (!isId(id)) throw notFound();
	const deleted = await getDb()
		.delete(conversations)
		.where(and(eq(conversations.id, id), eq(conversations.userId, userId)))
		.returning({ id: conversations.id });
	if (deleted.length === 0) throw notFound();
}

export async function touchConversation(id: string, set: Partial<schema.Conversation> = {}): Promise<void> {
	await getDb()
		.update(conversations)
		.set({ updatedAt: new Date(), ...set })
		.where(eq(conversations.id, id));
}

/** `LIKE` pattern for a literal substring. */
function likePattern(text: string): string {
	return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A short excerpt around the first match of `q` in `text`. */
function snippetOf(text: string, q: string): string {
	const at = text.toLowerCase().indexOf(q.toLowerCase());
	if (at < 0) return text.slice(0, 80);
	const start = Math.max(0, at - 30);
	const end = Math.min(text.length, at + q.length + 50);
	return `${start > 0 ? '…' : ''}${text.slice(start, end).replace(/\s+/g, ' ')}${end < text.length ? '…' : ''}`;
}

/** The owner's conversations, most recently changed first; `q` matches the title or any message's text. */
export async function listConversations(userId: string, options: { q?: string; limit?: number } = {}) {
	const limit = options.limit ?? 200;
	const db = getDb();
	if (!options.q) {
		const rows = await db
			.select()
			.from(conversations)
			.where(eq(conversations.userId, userId))
			.orderBy(desc(conversations.updatedAt), desc(conversations.id))
			.limit(limit);
		return rows.map((row) => ({ row, snippet: null as string | null }));
	}
	const q = options.q;
	const pattern = likePattern(q);
	// Column names spelled out: drizzle leaves them unqualified, which would not correlate the subquery.
	const matchingText = sql<string | null>`(
		select m.content from conversation_messages m
		where m.conversation_id = "conversations"."id" and m.content like ${pattern} escape '\\'
		limit 1)`;
	const rows = await db
		.select({ row: conversations, text: matchingText })
		.from(conversations)
		.where(
			and(
				eq(conversations.userId, userId),
				sql`(${conversations.title} like ${pattern} escape '\\' or ${matchingText} is not null)`
			)
		)
		.orderBy(desc(conversations.updatedAt), desc(conversations.id))
		.limit(limit);
	return rows.map(({ row, text }) => ({
		row,
		snippet: text && !row.title.toLowerCase().includes(q.toLowerCase()) ? snippetOf(text, q) : null
	}));
}
