import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pathTo, siblingsOf } from '$lib/types/conversations';
import { getDb, schema } from '../db';
import { exportConversation } from './export';
import { activeAnswers, addMessage, deleteMessage, readConversation, saveAnswer, startAnswer } from './messages';
import { buildPrompt } from './prompt';
import { createConversation, deleteConversation, getConversation, listConversations, titleFrom, updateConversation } from './store';
import { conversationToWire } from './wire';

beforeAll(async () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-manager-conversations-'));
	process.env.LLM_MANAGER_DATA_DIR = dir;
	process.env.LLM_MANAGER_LOG_LEVEL = 'error';
	const { prepareDatabase } = await import('../db');
	await prepareDatabase();
	await getDb()
		.insert(schema.users)
		.values([
			{ id: 'alice', email: 'alice@example.com', passwordHash: 'x', status: 'approved' },
			{ id: 'bob', email: 'bob@example.com', passwordHash: 'x', status: 'approved', isAdmin: true }
		]);
});

async function wireOf(userId: string, id: string) {
	const { conversation, messages } = await readConversation(userId, id);
	return conversationToWire(conversation, messages);
}

describe('conversation store', () => {
	it('titles a new chat from its first message and keeps a rename', async () => {
		const c = await createConversation('alice', { settings: { model: 'test/tiny/tiny.gguf' } });
		expect(c.title).toBe('New chat');
		await addMessage('alice', c.id, { role: 'user', content: '\n  How do I sort a list in Python?\nThanks' });
		expect((await getConversation('alice', c.id)).title).toBe('How do I sort a list in Python?');
		await updateConversation('alice', c.id, { title: 'Sorting' });
		await addMessage('alice', c.id, { role: 'user', content: 'another question' });
		expect((await getConversation('alice', c.id)).title).toBe('Sorting');
		expect(titleFrom('word '.repeat(40)).length).toBeLessThanOrEqual(61);
	});

	it('keeps each user to their own conversations, admins included', async () => {
		const c = await createConversation('alice', { title: 'private' });
		await expect(getConversation('bob', c.id)).rejects.toMatchObject({ status: 404 });
		await expect(updateConversation('bob', c.id, { title: 'taken' })).rejects.toMatchObject({ status: 404 });
		await expect(deleteConversation('bob', c.id)).rejects.toMatchObject({ status: 404 });
		await expect(addMessage('bob', c.id, { role: 'user', content: 'hi' })).rejects.toMatchObject({ status: 404 });
		expect((await listConversations('bob')).map((r) => r.row.id)).not.toContain(c.id);
		expect((await getConversation('alice', c.id)).title).toBe('private');
		await expect(getConversation('alice', 'not-a-uuid')).rejects.toMatchObject({ status: 404 });
	});

	it('keeps an edited question and a regenerated answer as branches', async () => {
		const c = await createConversation('alice');
		const q1 = await addMessage('alice', c.id, { role: 'user', content: 'first question' });
		const a1 = await addMessage('alice', c.id, { role: 'assistant', content: 'first answer' });
		// Edit-and-resend: a sibling of the question.
		const q2 = await addMessage('alice', c.id, { role: 'user', content: 'edited question', parent_id: null });
		const a2 = await addMessage('alice', c.id, { role: 'assistant', content: 'second answer' });
		let wire = await wireOf('alice', c.id);
		expect(pathTo(wire.messages, wire.current_leaf_id).map((m) => m.content)).toEqual(['edited question', 'second answer']);
		expect(siblingsOf(wire.messages, wire.messages.find((m) => m.id === q2.id)!).map((m) => m.id)).toEqual([q1.id, q2.id]);
		// Switch back to the first branch.
		await updateConversation('alice', c.id, { current_leaf_id: a1.id });
		wire = await wireOf('alice', c.id);
		expect(pathTo(wire.messages, wire.current_leaf_id).map((m) => m.content)).toEqual(['first question', 'first answer']);
		// Deleting the first question takes its answer with it and lands on the other branch.
		await deleteMessage('alice', c.id, q1.id);
		wire = await wireOf('alice', c.id);
		expect(wire.messages.map((m) => m.id)).toEqual([q2.id, a2.id]);
		expect(wire.current_leaf_id).toBe(a2.id);
		await expect(updateConversation('alice', c.id, { current_leaf_id: a1.id })).rejects.toMatchObject({ status: 404 });
		await expect(addMessage('alice', c.id, { role: 'user', content: 'x', parent_id: a1.id })).rejects.toMatchObject({ status: 400 });
	});

	it('shows an answer left streaming by an earlier process as stopped, text kept', async () => {
		const c = await createConversation('alice');
		const q = await addMessage('alice', c.id, { role: 'user', content: 'tell me a story' });
		const live = await startAnswer(c.id, q.id, 'm');
		activeAnswers().add(live.id);
		await saveAnswer(live.id, { content: 'Once upon' });
		expect((await wireOf('alice', c.id)).messages.at(-1)).toMatchObject({ status: 'streaming', content: 'Once upon' });
		activeAnswers().delete(live.id); // as after a restart
		expect((await wireOf('alice', c.id)).messages.at(-1)).toMatchObject({ status: 'stopped', content: 'Once upon' });
	});

	it('searches titles and message text, literally, newest first', async () => {
		const a = await createConversation('alice', { title: 'Rust lifetimes' });
		const b = await createConversation('alice', { title: 'Cooking' });
		await addMessage('alice', b.id, { role: 'user', content: 'How long to boil an egg? 100% sure please' });
		const found = async (q: string) => (await listConversations('alice', { q })).map((r) => r.row.id);
		expect(await found('rust')).toEqual([a.id]);
		expect(await found('boil an')).toEqual([b.id]);
		expect((await listConversations('alice', { q: 'egg' }))[0].snippet).toContain('boil an egg');
		expect(await found('100%')).toEqual([b.id]);
		expect(await found('%')).toEqual([b.id]);
		expect(await found('_')).toEqual([]);
		expect(await listConversations('bob', { q: 'egg' })).toEqual([]);
		const all = (await listConversations('alice')).map((r) => r.row.id);
		expect(all.indexOf(b.id)).toBeLessThan(all.indexOf(a.id));
	});

	it('deletes a conversation with its messages at once', async () => {
		const c = await createConversation('alice');
		await addMessage('alice', c.id, { role: 'user', content: 'to be deleted' });
		await deleteConversation('alice', c.id);
		const left = await getDb().select().from(schema.conversationMessages);
		expect(left.some((m) => m.conversationId === c.id)).toBe(false);
		await expect(getConversation('alice', c.id)).rejects.toMatchObject({ status: 404 });
	});

	it('exports the branch on screen as Markdown and everything as JSON', async () => {
		const c = await createConversation('alice', { title: 'Export me', settings: { model: 'm', system_prompt: 'Be brief.' } });
		await addMessage('alice', c.id, { role: 'user', content: 'old', parent_id: null });
		await addMessage('alice', c.id, { role: 'user', content: 'question', parent_id: null });
		await addMessage('alice', c.id, { role: 'assistant', content: '**answer**' });
		const md = await (await exportConversation('alice', c.id, 'md')).text();
		expect(md).toContain('# Export me');
		expect(md).toContain('## User\n\nquestion');
		expect(md).toContain('## Assistant\n\n**answer**');
		expect(md).not.toContain('old');
		const res = await exportConversation('alice', c.id, 'json');
		expect(res.headers.get('content-disposition')).toBe('attachment; filename="Export-me.json"');
		const json = JSON.parse(await res.text());
		expect(json.messages.map((m: { content: string }) => m.content)).toEqual(['old', 'question', '**answer**']);
	});

	it('builds the prompt with the system prompt, attachments inlined, oldest turns dropped to fit', async () => {
		const c = await createConversation('alice', { settings: { system_prompt: 'Be brief.' } });
		await addMessage('alice', c.id, { role: 'user', content: 'x'.repeat(700) });
		await addMessage('alice', c.id, { role: 'assistant', content: 'y'.repeat(700) });
		await addMessage('alice', c.id, { role: 'user', content: 'read this', attachments: [{ name: 'a.md', text: 'has ``` inside' }] });
		const wire = await wireOf('alice', c.id);
		const { messages } = await readConversation('alice', c.id);
		const branch = pathTo(wire.messages, wire.current_leaf_id).map((m) => messages.find((r) => r.id === m.id)!);
		const full = buildPrompt(branch, (await getConversation('alice', c.id)).settings);
		expect(full.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
		expect(full[3].content).toBe('read this\n\nFile: a.md\n````\nhas ``` inside\n````');
		const fitted = buildPrompt(branch, { ...(await getConversation('alice', c.id)).settings, context_size: 300 });
		expect(fitted.map((m) => m.role)).toEqual(['system', 'user']);
	});
});
