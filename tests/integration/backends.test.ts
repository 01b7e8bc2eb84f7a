/**
 * Another LLM Manager instance as a real `openai-compatible` backend: its models appear in `/v1/models`
 * under the backend's prefix, chat (plain and streamed) and embeddings are proxied with the same
 * answers as calling it directly, the client leaving aborts the upstream request, audit rows name the
 * backend, allow-lists apply, and the backend's API key is never shown, logged or stored in clear.
 */
import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { countOf, parseMetrics, valueOf } from '../helpers/prometheus';
import { call, signUp, startServer, tempDir, until, type SignedIn, type TestServer } from '../helpers/server';

const MODEL = 'test/tiny/tiny.gguf';
const REMOTE = `node-b/${MODEL}`;
let upstream: TestServer;
let front: TestServer;
let upstreamAdmin: SignedIn;
let admin: SignedIn;
let user: SignedIn;
let backendKey: string;
let backendId: string;
let viaProxy: OpenAI;
let direct: OpenAI;

const auditRows = async (server: TestServer, token: string, query = '') =>
	(await call(server, 'GET', `/api/system/audit-logs?limit=100${query}`, { token })).body.items as any[];

beforeAll(async () => {
	const dataDir = tempDir();
	writeTinyLlama(path.join(dataDir, 'models', MODEL), { contextLength: 1024 });
	[upstream, front] = await Promise.all([startServer({ dataDir }), startServer()]);
	upstreamAdmin = await signUp(upstream, 'admin@upstream.example');
	const key = await call(upstream, 'POST', '/api/auth/api-keys', { token: upstreamAdmin.token, body: { name: 'front' } });
	expect(key.status).toBe(201);
	backendKey = key.body.key;
	admin = await signUp(front, 'admin@example.com');
	user = await signUp(front, 'user@example.com', 'correct-horse-battery', admin.token);
	viaProxy = new OpenAI({ apiKey: user.token, baseURL: `${front.url}/v1`, maxRetries: 0 });
	direct = new OpenAI({ apiKey: backendKey, baseURL: `${upstream.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
	await Promise.all([front?.stop(), upstream?.stop()]);
});

describe('configuring a backend', () => {
	it('is admin only', async () => {
		expect((await call(front, 'GET', '/api/backends', { token: user.token })).status).toBe(403);
		const res = await call(front, 'POST', '/api/backends', { token: user.token, body: { name: 'x', base_url: 'http://127.0.0.1:1/v1' } });
		expect(res.status).toBe(403);
		expect((await call(front, 'GET', '/api/backends', { token: admin.token })).body).toEqual([]);
	});

	it('refuses base URLs that are not http(s), carry credentials, or bad names', async () => {
		for (const body of [
			{ name: 'x', base_url: 'file:///etc/passwd' },
			{ name: 'x', base_url: 'ftp://example.com/v1' },
			{ name: 'x', base_url: 'http://user:pass@example.com/v1' },
			{ name: 'x', base_url: 'not a url' },
			{ name: 'bad name!', base_url: 'http://127.0.0.1:1/v1' },
			{ name: 'x', base_url: 'http://127.0.0.1:1/v1', kind: 'grpc' },
			{ name: 'x', base_url: 'http://127.0.0.1:1/v1', extra_headers: { Host: 'evil' } }
		]) {
			const res = await call(front, 'POST', '/api/backends', { token: admin.token, body });
			expect(res.status, JSON.stringify(body)).toBe(400);
		}
		expect((await call(front, 'GET', '/api/backends', { token: admin.token })).body).toEqual([]);
	});

	it('adds the other instance: its models are discovered, the key shows only as set and its last 4', async () => {
		const res = await call(front, 'POST', '/api/backends', {
			token: admin.token,
			body: { name: 'node-b', base_url: `${upstream.url}/v1/`, api_key: backendKey, prefix: 'node-b', extra_headers: { 'X-Team': 'research' } }
		});
		expect(res.status).toBe(201);
		backendId = res.body.id;
		expect(res.body.base_url).toBe(`${upstream.url}/v1`);
		expect(res.body.api_key).toEqual({ set: true, last4: backendKey.slice(-4), unreadable: false });
		expect(res.body.extra_headers).toEqual(['X-Team']);
		expect(res.body.discovered_models).toContain(MODEL);
		expect(res.body.served_models).toContain(REMOTE);
		expect(res.body.health.status).toBe('up');
		expect(JSON.stringify(res.body)).not.toContain(backendKey);
		const dup = await call(front, 'POST', '/api/backends', { token: admin.token, body: { name: 'node-b', base_url: `${upstream.url}/v1` } });
		expect(dup.status).toBe(409);
	});

	it('lists the remote models in /v1/models, owned by the backend', async () => {
		const models = await viaProxy.models.list();
		const remote = models.data.find((m) => m.id === REMOTE);
		expect(remote?.owned_by).toBe('node-b');
		expect((await viaProxy.models.retrieve(REMOTE)).owned_by).toBe('node-b');
	});

	it('"Test" reports a refused key clearly', async () => {
		await call(front, 'PATCH', `/api/backends/${backendId}`, { token: admin.token, body: { api_key: 'llmm_wrong-key-1234' } });
		const bad = await call(front, 'POST', `/api/backends/${backendId}/test`, { token: admin.token });
		expect(bad.status).toBe(200);
		expect(bad.body).toMatchObject({ ok: false, reason: 'bad_key' });
		expect(bad.body.message).toMatch(/API key was refused/);
		const fixed = await call(front, 'PATCH', `/api/backends/${backendId}`, { token: admin.token, body: { api_key: backendKey } });
		expect(fixed.body.api_key.last4).toBe(backendKey.slice(-4));
		const good = await call(front, 'POST', `/api/backends/${backendId}/test`, { token: admin.token });
		expect(good.body).toMatchObject({ ok: true, reason: null });
		expect(good.body.models).toContain(MODEL);
	});
});

const messages = [{ role: 'user' as const, content: 'Tell me a story' }];

describe('routed requests', () => {
	it('answers a chat completion like the backend does when called directly', async () => {
		const ask = { messages, max_tokens: 12, temperature: 0, seed: 1 };
		const proxied = await viaProxy.chat.completions.create({ model: REMOTE, ...ask });
		const own = await direct.chat.completions.create({ model: MODEL, ...ask });
		expect(proxied.choices[0].message.content).toBe(own.choices[0].message.content);
		expect(proxied.usage?.completion_tokens).toBe(own.usage?.completion_tokens);
		expect(proxied.usage!.prompt_tokens).toBeGreaterThan(0);
	});

	it('streams a chat completion through, without a usage chunk nobody asked for', async () => {
		const ask = { messages, max_tokens: 12, temperature: 0, seed: 1, stream: true as const };
		const collect = async (client: OpenAI, model: string, includeUsage: boolean) => {
			const stream = await client.chat.completions.create({ model, ...ask, ...(includeUsage ? { stream_options: { include_usage: true } } : {}) });
			let text = '';
			let usageChunks = 0;
			let finish: string | null = null;
			for await (const chunk of stream) {
				if (chunk.usage) usageChunks++;
				text += chunk.choices[0]?.delta.content ?? '';
				finish = chunk.choices[0]?.finish_reason ?? finish;
			}
			return { text, usageChunks, finish };
		};
		const proxied = await collect(viaProxy, REMOTE, false);
		const own = await collect(direct, MODEL, false);
		expect(proxied.text).toBe(own.text);
		expect(proxied.text.length).toBeGreaterThan(0);
		expect(proxied.usageChunks).toBe(0);
		expect(proxied.finish).toBe('length');
		expect((await collect(viaProxy, REMOTE, true)).usageChunks).toBe(1);
	});

	it('proxies embeddings and completions', async () => {
		const proxied = await viaProxy.embeddings.create({ model: REMOTE, input: ['hello', 'a b'] });
		const own = await direct.embeddings.create({ model: MODEL, input: ['hello', 'a b'] });
		expect(proxied.data.map((d) => d.embedding)).toEqual(own.data.map((d) => d.embedding));
		const completion = await viaProxy.completions.create({ model: REMOTE, prompt: 'Once', max_tokens: 4, temperature: 0 });
		expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
	});

	it('proxies the Responses API, plain and streamed', async () => {
		const answer = await viaProxy.responses.create({ model: REMOTE, input: 'Hi', max_output_tokens: 6, temperature: 0 });
		// Cut at max_output_tokens: `incomplete`, as OpenAI says it.
		expect(answer.status).toBe('incomplete');
		expect(answer.output_text.length).toBeGreaterThan(0);
		const stream = await viaProxy.responses.create({ model: REMOTE, input: 'Hi', max_output_tokens: 6, temperature: 0, stream: true });
		let text = '';
		let ended = false;
		for await (const event of stream) {
			if (event.type === 'response.output_text.delta') text += event.delta;
			if (event.type === 'response.incomplete') ended = true;
		}
		expect(ended).toBe(true);
		expect(text).toBe(answer.output_text);
	});

	it('writes audit rows that name the backend, with its token counts; the backend audits the key', async () => {
		const rows = await until(
			() => auditRows(front, admin.token, '&backend=node-b'),
			(r) => r.filter((x) => x.status === 'success').length >= 7
		);
		expect(rows.length).toBeGreaterThanOrEqual(7);
		expect(rows.filter((r) => r.endpoint === '/v1/responses' && r.completion_tokens > 0).length).toBe(2);
		for (const row of rows) {
			expect(row.backend).toBe('node-b');
			expect(row.backend_type).toBe('remote');
			expect(row.model).toBe(REMOTE);
			expect(row.user_email).toBe('user@example.com');
		}
		const chat = rows.find((r) => r.endpoint === '/v1/chat/completions' && r.status === 'success');
		expect(chat.prompt_tokens).toBeGreaterThan(0);
		expect(chat.completion_tokens).toBeGreaterThan(0);
		const streamed = rows.filter((r) => r.endpoint === '/v1/chat/completions' && r.ttft_ms !== null);
		expect(streamed.length).toBeGreaterThan(0);
		expect(streamed.every((r) => r.completion_tokens > 0)).toBe(true);
		const local = await auditRows(front, admin.token, '&backend=local');
		expect(local.length).toBeGreaterThan(0);
		expect(local.filter((r) => r.model === REMOTE)).toEqual([]);
		const upstreamRows = await auditRows(upstream, upstreamAdmin.token);
		expect(upstreamRows.filter((r) => r.model === MODEL).length).toBeGreaterThanOrEqual(5);
	});

	it('labels the /v1 metrics with the backend', async () => {
		const res = await fetch(`${front.url}/metrics`, { headers: { authorization: `Bearer ${admin.token}` } });
		const scrape = parseMetrics(await res.text());
		const labels = { model: REMOTE, endpoint: '/v1/chat/completions', backend: 'node-b' };
		expect(valueOf(scrape, 'llm_manager_requests_total', { ...labels, status: 'success' })).toBe(3);
		expect(valueOf(scrape, 'llm_manager_completion_tokens_total', labels)).toBeGreaterThan(0);
		expect(countOf(scrape, 'llm_manager_request_duration_seconds', labels)).toBe(3);
		expect(valueOf(scrape, 'llm_manager_requests_total', { model: REMOTE, backend: 'local' })).toBe(0);
		expect(valueOf(scrape, 'llm_manager_backend_up', { backend: 'node-b' })).toBe(1);
		expect(valueOf(scrape, 'llm_manager_backend_in_flight_requests', { backend: 'node-b' })).toBe(0);
		expect(valueOf(scrape, 'llm_manager_backend_latency_seconds', { backend: 'node-b' })).toBeGreaterThan(0);
	});

	it("aborts the upstream request when the client goes away", async () => {
		const controller = new AbortController();
		const stream = await viaProxy.chat.completions.create(
			{ model: REMOTE, messages, max_tokens: 600, stream: true },
			{ signal: controller.signal }
		);
		let chunks = 0;
		try {
			for await (const chunk of stream) {
				if (chunk.choices[0]?.delta.content && ++chunks >= 3) controller.abort();
			}
		} catch {
			// aborted
		}
		const cancelledUpstream = await until(
			() => auditRows(upstream, upstreamAdmin.token, '&status=cancelled'),
			(r) => r.length > 0
		);
		expect(cancelledUpstream.length).toBe(1);
		expect(cancelledUpstream[0].completion_tokens).toBeLessThan(600);
		const cancelledHere = await until(
			() => auditRows(front, admin.token, '&status=cancelled'),
			(r) => r.length > 0
		);
		expect(cancelledHere[0].backend).toBe('node-b');
	});

	it('refuses a remote model to an API key limited to a local one', async () => {
		const key = await call(front, 'POST', '/api/auth/api-keys', { token: user.token, body: { name: 'local only', allowed_models: [MODEL] } });
		const limited = new OpenAI({ apiKey: key.body.key, baseURL: `${front.url}/v1`, maxRetries: 0 });
		const err = await limited.chat.completions.create({ model: REMOTE, messages }).catch((e) => e);
		expect(err).toBeInstanceOf(OpenAI.APIError);
		expect(err.status).toBe(403);
		expect(err.code).toBe('model_not_allowed');
		expect((await limited.models.list()).data.map((m) => m.id)).not.toContain(REMOTE);
	});

	it('says where a model name goes', async () => {
		const res = await call(front, 'POST', '/api/routing/test', { token: admin.token, body: { model: REMOTE } });
		expect(res.body).toMatchObject({ target: 'remote', backend: 'node-b', upstream_model: MODEL });
		const local = await call(front, 'POST', '/api/routing/test', { token: admin.token, body: { model: 'nothing-like-it' } });
		expect(local.body.target).toBe('local');
	});
});

describe('the backend key', () => {
	it('is never in the database in clear, in an answer or in the logs', async () => {
		const db = fs.readdirSync(front.dataDir).filter((f) => /\.(db|sqlite)(-wal)?$/.test(f));
		expect(db.length).toBeGreaterThan(0);
		for (const file of db) expect(fs.readFileSync(path.join(front.dataDir, file)).includes(backendKey)).toBe(false);
		const listed = await call(front, 'GET', '/api/backends', { token: admin.token });
		expect(JSON.stringify(listed.body)).not.toContain(backendKey);
		expect(front.logs()).not.toContain(backendKey);
	});

	it('removing the backend removes its models from /v1', async () => {
		expect((await call(front, 'DELETE', `/api/backends/${backendId}`, { token: admin.token })).status).toBe(204);
		expect((await viaProxy.models.list()).data.map((m) => m.id)).not.toContain(REMOTE);
		const err = await viaProxy.chat.completions.create({ model: REMOTE, messages }).catch((e) => e);
		expect(err.status).toBe(404);
	});
});
