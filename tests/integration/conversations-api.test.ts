/**
 * Saved conversations over HTTP against the built server and a generated model: private to their
 * owner (others, admins included, get 404), bad input refused with 400 and nothing changed, answers
 * generated and saved by the server (an interrupted one kept, marked stopped), exports, and an audit
 * log that stays metadata-only.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { call, signUp, startServer, tempDir, until, type SignedIn, type TestServer } from '../helpers/server';
import { readSseData } from '../../src/lib/client/sse';

const MODEL = 'test/tiny/model.gguf';
const MARKER = `private-words-${Date.now().toString(36)}`;
let server: TestServer;
let admin: SignedIn;
let bob: SignedIn;

beforeAll(async () => {
	const dataDir = tempDir();
	writeTinyLlama(path.join(dataDir, 'models', MODEL), { contextLength: 4096 });
	server = await startServer({ dataDir });
	admin = await signUp(server, 'admin@example.com');
	bob = await signUp(server, 'bob@example.com', undefined, admin.token);
});
afterAll(async () => {
	await server?.stop();
});

async function newConversation(who: SignedIn, body: object = { settings: { model: MODEL, max_tokens: 16 } }) {
	const res = await call(server, 'POST', '/api/conversations', { token: who.token, body });
	expect(res.status).toBe(201);
	return res.body;
}

function generate(who: SignedIn, id: string, body: object, signal?: AbortSignal) {
	return fetch(`${server.url}/api/conversations/${id}/generate`, {
		method: 'POST',
		headers: { authorization: `Bearer ${who.token}`, 'content-type': 'application/json' },
		body: JSON.stringify(body),
		signal
	});
}

async function events(res: Response) {
	const out: any[] = [];
	for await (const data of readSseData(res.body!)) out.push(JSON.parse(data));
	return out;
}

describe('conversations API', () => {
	it('answers 401 without a credential', async () => {
		for (const [method, p] of [
			['GET', '/api/conversations'],
			['POST', '/api/conversations'],
			['GET', `/api/conversations/${crypto.randomUUID()}`],
			['POST', `/api/conversations/${crypto.randomUUID()}/generate`]
		]) {
			expect((await call(server, method, p, { body: method === 'POST' ? {} : undefined })).status, `${method} ${p}`).toBe(401);
		}
	});

	it('keeps a conversation private to its owner: 404 for anyone else, admins included', async () => {
		const c = await newConversation(bob);
		const msg = await call(server, 'POST', `/api/conversations/${c.id}/messages`, { token: bob.token, body: { role: 'user', content: MARKER } });
		expect(msg.status).toBe(201);
		for (const [method, p, body] of [
			['GET', `/api/conversations/${c.id}`],
			['PATCH', `/api/conversations/${c.id}`, { title: 'stolen' }],
			['DELETE', `/api/conversations/${c.id}`],
			['POST', `/api/conversations/${c.id}/messages`, { role: 'user', content: 'x' }],
			['DELETE', `/api/conversations/${c.id}/messages/${msg.body.id}`],
			['POST', `/api/conversations/${c.id}/generate`, { parent_id: msg.body.id }],
			['GET', `/api/conversations/${c.id}/export?format=json`]
		] as const) {
			const res = await call(server, method, p, { token: admin.token, body });
			expect(res.status, `${method} ${p}`).toBe(404);
		}
		const list = await call(server, 'GET', `/api/conversations?q=${MARKER}`, { token: admin.token });
		expect(list.body).toEqual([]);
		const own = await call(server, 'GET', `/api/conversations/${c.id}`, { token: bob.token });
		expect(own.body.title).toBe(MARKER);
		expect(own.body.messages).toHaveLength(1);
	});

	it('refuses malformed and invalid bodies with 400 and changes nothing', async () => {
		const c = await newConversation(bob);
		const bad: [string, string, unknown][] = [
			['POST', '/api/conversations', '{"title": '],
			['POST', '/api/conversations', { title: '' }],
			['POST', '/api/conversations', { settings: { temperature: 9 } }],
			['PATCH', `/api/conversations/${c.id}`, { title: 'x'.repeat(500) }],
			['PATCH', `/api/conversations/${c.id}`, { owner: 'admin' }],
			['POST', `/api/conversations/${c.id}/messages`, { role: 'system', content: 'x' }],
			['POST', `/api/conversations/${c.id}/messages`, { role: 'user' }],
			['POST', `/api/conversations/${c.id}/messages`, { role: 'user', content: 'x', attachments: [{ name: 'big.txt', text: 'a'.repeat(300 * 1024) }] }],
			['POST', `/api/conversations/${c.id}/messages`, { role: 'user', content: 'x', parent_id: crypto.randomUUID() }],
			['POST', `/api/conversations/${c.id}/generate`, { parent_id: 5 }],
			['POST', `/api/conversations/${c.id}/generate`, '[]'],
			['GET', `/api/conversations/${c.id}/export?format=exe`, undefined],
			['GET', '/api/conversations?limit=0', undefined]
		];
		for (const [method, p, body] of bad) {
			const res = await call(server, method, p, { token: bob.token, body });
			expect(res.status, `${method} ${p} ${JSON.stringify(body)?.slice(0, 60)}`).toBe(400);
			expect(typeof res.body.detail).toBe('string');
		}
		const after = await call(server, 'GET', `/api/conversations/${c.id}`, { token: bob.token });
		expect(after.body.title).toBe('New chat');
		expect(after.body.messages).toEqual([]);
	});

	it('generates an answer that the server saves, with statistics; the audit row holds no text', async () => {
		const c = await newConversation(bob);
		const q = await call(server, 'POST', `/api/conversations/${c.id}/messages`, { token: bob.token, body: { role: 'user', content: `Hello ${MARKER}` } });
		const res = await generate(bob, c.id, { parent_id: q.body.id });
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toContain('text/event-stream');
		const seen = await events(res);
		expect(seen[0].type).toBe('start');
		const done = seen.at(-1);
		expect(done.type).toBe('done');
		expect(done.message).toMatchObject({ role: 'assistant', status: 'complete', parent_id: q.body.id, model: MODEL });
		expect(done.message.content).toBe(seen.filter((e) => e.type === 'delta').map((e) => e.content ?? '').join(''));
		expect(done.message.stats.completion_tokens).toBeGreaterThan(0);
		expect(done.message.stats.ttft_ms).toBeGreaterThanOrEqual(0);
		expect(done.message.stats.context_window).toBeGreaterThan(0);
		const saved = await call(server, 'GET', `/api/conversations/${c.id}`, { token: bob.token });
		expect(saved.body.current_leaf_id).toBe(done.message.id);
		expect(saved.body.messages.at(-1).content).toBe(done.message.content);
		// Regenerate: a second answer to the same question, a sibling branch.
		const again = await events(await generate(bob, c.id, { parent_id: q.body.id }));
		expect(again.at(-1).type).toBe('done');
		const both = await call(server, 'GET', `/api/conversations/${c.id}`, { token: bob.token });
		expect(both.body.messages.filter((m: any) => m.parent_id === q.body.id)).toHaveLength(2);
		// The audit log: one row per answer, metadata only.
		const audit = await until(
			() => call(server, 'GET', '/api/system/audit-logs?limit=1000', { token: bob.token }),
			(r) => r.body.items.length >= 2
		);
		expect(audit.body.items[0]).toMatchObject({ endpoint: '/v1/chat/completions', model: MODEL, status: 'success' });
		expect(JSON.stringify(audit.body)).not.toContain(MARKER);
	});

	it('keeps an interrupted answer, marked stopped, and can continue it', async () => {
		const c = await newConversation(bob, { settings: { model: MODEL, max_tokens: 3000 } });
		const q = await call(server, 'POST', `/api/conversations/${c.id}/messages`, { token: bob.token, body: { role: 'user', content: 'A long story, please.' } });
		const controller = new AbortController();
		const res = await generate(bob, c.id, { parent_id: q.body.id }, controller.signal);
		let received = '';
		let answerId = '';
		try {
			for await (const data of readSseData(res.body!)) {
				const e = JSON.parse(data);
				if (e.type === 'start') answerId = e.message.id;
				if (e.type === 'delta') received += e.content ?? '';
				if (received.length > 20) controller.abort();
			}
		} catch {
			// the abort ends the read
		}
		const stopped = await until(
			() => call(server, 'GET', `/api/conversations/${c.id}`, { token: bob.token }),
			(r) => r.body.messages.find((m: any) => m.id === answerId)?.status === 'stopped'
		);
		const answer = stopped.body.messages.find((m: any) => m.id === answerId);
		expect(answer.status).toBe('stopped');
		expect(answer.content.startsWith(received)).toBe(true);
		// Continue: more text appended to the same message.
		const cont = await generate(bob, c.id, { continue_id: answerId });
		const reader = readSseData(cont.body!);
		for await (const data of reader) {
			const e = JSON.parse(data);
			if (e.type === 'delta') break;
		}
		await cont.body?.cancel().catch(() => {});
		const longer = await until(
			() => call(server, 'GET', `/api/conversations/${c.id}`, { token: bob.token }),
			(r) => r.body.messages.find((m: any) => m.id === answerId)?.status === 'stopped'
		);
		const continued = longer.body.messages.find((m: any) => m.id === answerId);
		expect(continued.content.startsWith(answer.content)).toBe(true);
		expect(longer.body.messages.filter((m: any) => m.role === 'assistant')).toHaveLength(1);
	});

	it('refuses to generate without a model (400) or with an unknown one (404), writing nothing', async () => {
		const c = await newConversation(bob, {});
		const q = await call(server, 'POST', `/api/conversations/${c.id}/messages`, { token: bob.token, body: { role: 'user', content: 'hi' } });
		expect((await generate(bob, c.id, { parent_id: q.body.id })).status).toBe(400);
		await call(server, 'PATCH', `/api/conversations/${c.id}`, { token: bob.token, body: { settings: { model: 'no/such/model.gguf' } } });
		expect((await generate(bob, c.id, { parent_id: q.body.id })).status).toBe(404);
		const after = await call(server, 'GET', `/api/conversations/${c.id}`, { token: bob.token });
		expect(after.body.messages).toHaveLength(1);
	});

	it('renames, searches, exports and deletes', async () => {
		const c = await newConversation(bob);
		await call(server, 'POST', `/api/conversations/${c.id}/messages`, { token: bob.token, body: { role: 'user', content: 'zebra crossing rules' } });
		await call(server, 'POST', `/api/conversations/${c.id}/messages`, { token: bob.token, body: { role: 'assistant', content: 'Look both ways.' } });
		const renamed = await call(server, 'PATCH', `/api/conversations/${c.id}`, { token: bob.token, body: { title: 'Road safety' } });
		expect(renamed.body.title).toBe('Road safety');
		const byText = await call(server, 'GET', '/api/conversations?q=both%20ways', { token: bob.token });
		expect(byText.body.map((x: any) => x.id)).toEqual([c.id]);
		const byTitle = await call(server, 'GET', '/api/conversations?q=road', { token: bob.token });
		expect(byTitle.body.map((x: any) => x.id)).toEqual([c.id]);
		const md = await fetch(`${server.url}/api/conversations/${c.id}/export?format=md`, { headers: { authorization: `Bearer ${bob.token}` } });
		expect(md.headers.get('content-disposition')).toBe('attachment; filename="Road-safety.md"');
		expect(await md.text()).toContain('## Assistant\n\nLook both ways.');
		expect((await call(server, 'DELETE', `/api/conversations/${c.id}`, { token: bob.token })).status).toBe(204);
		expect((await call(server, 'GET', `/api/conversations/${c.id}`, { token: bob.token })).status).toBe(404);
		expect((await call(server, 'GET', '/api/conversations?q=both%20ways', { token: bob.token })).body).toEqual([]);
	});
});
