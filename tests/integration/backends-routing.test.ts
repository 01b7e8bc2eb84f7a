/**
 * Routing rules, failures and translation against small fake upstreams: "Test" names the reason of a
 * failure, 5xx and timeouts fall back, repeated failures mark a backend down (and a good check up
 * again), upstream errors arrive in the calling API's envelope, and an Anthropic-shaped backend
 * answers `/v1/chat/completions` (and an OpenAI-shaped one `/v1/messages`) through translation.
 */
import fs from 'node:fs';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { call, freePort, signUp, startServer, tempDir, until, type SignedIn, type TestServer } from '../helpers/server';

const LOCAL = 'test/tiny/tiny.gguf';
const ALPHA_KEY = 'alpha-secret-key-9876';
const CLAUDE_KEY = 'sk-ant-fake-secret-abcd';
let server: TestServer;
let admin: SignedIn;
let alpha: FakeUpstream;
let beta: FakeUpstream;
let claude: FakeUpstream;
let openai: OpenAI;
let ids: Record<string, string> = {};

const addBackend = async (body: Record<string, unknown>) => {
	const res = await call(server, 'POST', '/api/backends', { token: admin.token, body });
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	ids[body.name as string] = res.body.id;
	return res.body;
};
const addRule = async (body: Record<string, unknown>) => {
	const res = await call(server, 'POST', '/api/routing/rules', { token: admin.token, body });
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	return res.body;
};
const health = async (name: string) => (await call(server, 'GET', `/api/backends/${ids[name]}`, { token: admin.token })).body.health;
const routeOf = async (model: string) => (await call(server, 'POST', '/api/routing/test', { token: admin.token, body: { model } })).body;
const ask = (model: string) => openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }] });

beforeAll(async () => {
	const dataDir = tempDir();
	writeTinyLlama(path.join(dataDir, 'models', LOCAL), { contextLength: 512 });
	[server, alpha, beta, claude] = await Promise.all([
		startServer({ dataDir }),
		startFakeUpstream({ name: 'alpha' }),
		startFakeUpstream({ name: 'beta' }),
		startFakeUpstream({ name: 'claude', kind: 'anthropic', key: CLAUDE_KEY })
	]);
	admin = await signUp(server, 'admin@example.com');
	openai = new OpenAI({ apiKey: admin.token, baseURL: `${server.url}/v1`, maxRetries: 0 });
	await addBackend({ name: 'alpha', base_url: alpha.baseUrl, api_key: ALPHA_KEY });
	await addBackend({ name: 'beta', base_url: beta.baseUrl, timeout_ms: 5000 });
	await addBackend({ name: 'claude', kind: 'anthropic', base_url: claude.baseUrl, api_key: CLAUDE_KEY, prefix: 'anthropic' });
});

afterAll(async () => {
	await server?.stop();
	await Promise.all([alpha?.close(), beta?.close(), claude?.close()]);
});

describe('"Test" says why a backend fails', () => {
	it('a refused key, a refused connection, a timeout', async () => {
		alpha.setMode({ kind: 'status', status: 401, body: { error: { message: 'Incorrect API key provided' } } });
		const badKey = await call(server, 'POST', `/api/backends/${ids.alpha}/test`, { token: admin.token });
		expect(badKey.body).toMatchObject({ ok: false, reason: 'bad_key' });
		expect(badKey.body.message).toContain('Incorrect API key provided');

		const closed = await addBackend({ name: 'nowhere', base_url: `http://127.0.0.1:${await freePort()}/v1` });
		expect(closed.health.status).toBe('unknown');
		expect(closed.health.last_error).toMatch(/connection refused/);
		const refused = await call(server, 'POST', `/api/backends/${ids.nowhere}/test`, { token: admin.token });
		expect(refused.body).toMatchObject({ ok: false, reason: 'refused' });

		alpha.setMode({ kind: 'hang' });
		await call(server, 'PATCH', `/api/backends/${ids.alpha}`, { token: admin.token, body: { timeout_ms: 500 } });
		const timeout = await call(server, 'POST', `/api/backends/${ids.alpha}/test`, { token: admin.token });
		expect(timeout.body).toMatchObject({ ok: false, reason: 'timeout' });

		alpha.setMode({ kind: 'ok' });
		const good = await call(server, 'POST', `/api/backends/${ids.alpha}/test`, { token: admin.token });
		expect(good.body).toMatchObject({ ok: true, models: ['alpha-model'] });
		expect((await health('alpha')).status).toBe('up');
		await call(server, 'DELETE', `/api/backends/${ids.nowhere}`, { token: admin.token });
	});

	it('sends only the backend\'s own credentials upstream, never the caller\'s', async () => {
		const models = alpha.received.filter((r) => r.path === '/v1/models');
		expect(models.at(-1)!.headers.authorization).toBe(`Bearer ${ALPHA_KEY}`);
		await ask('alpha-model');
		const chat = alpha.received.filter((r) => r.path === '/v1/chat/completions').at(-1)!;
		expect(chat.headers.authorization).toBe(`Bearer ${ALPHA_KEY}`);
		expect(chat.headers.cookie).toBeUndefined();
		expect(JSON.stringify(chat.headers)).not.toContain(admin.token);
	});
});

describe('routing rules', () => {
	it('match exact, prefix, glob and regex names by priority; local models win unless a rule overrides', async () => {
		await addRule({ match_type: 'glob', pattern: 'team-*', backend_id: ids.alpha, fallback_backend_id: ids.beta, priority: 10 });
		await addRule({ match_type: 'regex', pattern: '^re-\\d+$', backend_id: ids.beta });
		await addRule({ match_type: 'prefix', pattern: 'pre/', backend_id: ids.beta });
		await addRule({ match_type: 'exact', pattern: 'exact-one', backend_id: ids.alpha, target_model: 'alpha-model' });
		await addRule({ match_type: 'glob', pattern: 'team-special', backend_id: ids.beta, priority: 1 });
		await addRule({ match_type: 'glob', pattern: 'test/*', backend_id: ids.beta });
		expect(await routeOf('team-x')).toMatchObject({ target: 'remote', backend: 'alpha', upstream_model: 'team-x', fallback: 'beta' });
		expect(await routeOf('team-special')).toMatchObject({ backend: 'alpha' });
		expect(await routeOf('re-42')).toMatchObject({ backend: 'beta' });
		expect((await routeOf('re-4x')).target).toBe('local');
		expect(await routeOf('pre/model')).toMatchObject({ backend: 'beta', upstream_model: 'pre/model' });
		expect(await routeOf('exact-one')).toMatchObject({ backend: 'alpha', upstream_model: 'alpha-model' });
		expect(await routeOf('anthropic/claude-fake-1')).toMatchObject({ backend: 'claude', upstream_model: 'claude-fake-1', rule_id: null });
		// A local model beats a rule that matches it…
		expect((await routeOf(LOCAL)).target).toBe('local');
		// …unless the rule says otherwise.
		const override = await addRule({ match_type: 'exact', pattern: LOCAL, backend_id: ids.beta, override_local: true });
		expect(await routeOf(LOCAL)).toMatchObject({ target: 'remote', backend: 'beta' });
		await call(server, 'DELETE', `/api/routing/rules/${override.id}`, { token: admin.token });
		expect((await routeOf(LOCAL)).target).toBe('local');
		// And the local model still answers, its request body intact, with no backend in its audit row.
		const local = await openai.chat.completions.create({ model: LOCAL, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 3 });
		expect(local.usage?.completion_tokens).toBeGreaterThan(0);
		const count = await call(server, 'POST', '/v1/messages/count_tokens', { token: admin.token, body: { model: LOCAL, messages: [{ role: 'user', content: 'Hi' }] } });
		expect(count.body.input_tokens).toBeGreaterThan(0);
	});

	it('refuses bad rules', async () => {
		for (const body of [
			{ match_type: 'regex', pattern: '(', backend_id: ids.alpha },
			{ match_type: 'exact', pattern: 'x', backend_id: 'no-such-backend' },
			{ match_type: 'exact', pattern: 'x', backend_id: ids.alpha, fallback_backend_id: ids.alpha },
			{ match_type: 'sometimes', pattern: 'x', backend_id: ids.alpha }
		]) {
			const res = await call(server, 'POST', '/api/routing/rules', { token: admin.token, body });
			expect(res.status, JSON.stringify(body)).toBe(400);
		}
	});
});

describe('bad requests while backends are configured', () => {
	it('malformed, oversized and invalid bodies get a clear 4xx, and nothing reaches a backend', async () => {
		const seen = alpha.received.length + beta.received.length;
		const send = (body: string | Buffer) =>
			fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, body: body as BodyInit }).then(
				async (r) => ({ status: r.status, body: await r.json() })
			);
		for (const [body, status] of [
			['{"model": "team-x",', 400],
			['[1, 2]', 400],
			['{"model": 42, "messages": []}', 400],
			[Buffer.alloc(17 * 1024 * 1024, 'a'), 413]
		] as const) {
			const res = await send(body);
			expect(res.status, String(body).slice(0, 40)).toBe(status);
			expect(typeof res.body.error.message).toBe('string');
		}
		expect(alpha.received.length + beta.received.length).toBe(seen);
	});
});

describe('failures', () => {
	it('a timeout falls back, and the abandoned upstream request is closed', async () => {
		alpha.setMode({ kind: 'hang' });
		const closedBefore = alpha.closedEarly();
		const answer = await ask('team-x');
		expect(answer.choices[0].message.content).toBe('hello from beta');
		await until(async () => alpha.closedEarly(), (n) => n > closedBefore);
		expect(alpha.closedEarly()).toBeGreaterThan(closedBefore);
	});

	it('5xx falls back; repeated failures mark the backend down (skipped), a good check marks it up', async () => {
		alpha.setMode({ kind: 'ok' });
		await call(server, 'POST', `/api/backends/${ids.alpha}/test`, { token: admin.token });
		alpha.setMode({ kind: 'status', status: 503 });
		for (let i = 0; i < 3; i++) expect((await ask('team-x')).choices[0].message.content).toBe('hello from beta');
		expect((await health('alpha')).status).toBe('down');
		const seen = alpha.received.length;
		expect((await ask('team-x')).choices[0].message.content).toBe('hello from beta');
		expect(alpha.received.length).toBe(seen);
		alpha.setMode({ kind: 'ok' });
		expect((await call(server, 'POST', `/api/backends/${ids.alpha}/test`, { token: admin.token })).body.ok).toBe(true);
		expect((await health('alpha')).status).toBe('up');
		expect((await ask('team-x')).choices[0].message.content).toBe('hello from alpha');
	});

	it('without a fallback the error arrives in the calling API envelope; a 4xx keeps its status', async () => {
		alpha.setMode({ kind: 'status', status: 500 });
		const err = await ask('exact-one').catch((e) => e);
		expect(err).toBeInstanceOf(OpenAI.APIError);
		expect(err.status).toBe(502);
		expect(err.message).toMatch(/Backend 'alpha': 500/);
		alpha.setMode({ kind: 'status', status: 400, body: { error: { message: 'max_tokens is too large' } } });
		const betaSeen = beta.received.length;
		const bad = await ask('team-x').catch((e) => e);
		expect(bad.status).toBe(400);
		expect(bad.message).toContain('max_tokens is too large');
		expect(beta.received.length).toBe(betaSeen);
		const anthropicClient = new Anthropic({ apiKey: admin.token, baseURL: server.url, maxRetries: 0 });
		const viaMessages = await anthropicClient.messages.create({ model: 'exact-one', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] }).catch((e) => e);
		expect(viaMessages).toBeInstanceOf(Anthropic.APIError);
		expect(viaMessages.status).toBe(400);
		expect(viaMessages.error?.type).toBe('error');
		alpha.setMode({ kind: 'ok' });
	});

	it("a backend's rate limit keeps its status and Retry-After", async () => {
		alpha.setMode({ kind: 'status', status: 429, body: { error: { message: 'Rate limit reached' } }, headers: { 'retry-after': '7' } });
		const res = await call(server, 'POST', '/v1/chat/completions', { token: admin.token, body: { model: 'exact-one', messages: [{ role: 'user', content: 'Hi' }] } });
		expect(res.status).toBe(429);
		expect(res.headers.get('retry-after')).toBe('7');
		expect(res.body.error.message).toContain('Rate limit reached');
		alpha.setMode({ kind: 'ok' });
	});

	it('a stream the backend drops midway ends with an error event, audited as an error', async () => {
		alpha.setMode({ kind: 'break' });
		const stream = await openai.chat.completions.create({ model: 'exact-one', messages: [{ role: 'user', content: 'Hi' }], stream: true });
		let text = '';
		const err = await (async () => {
			for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
		})().catch((e) => e);
		expect(text).toBe('partial');
		expect(err).toBeInstanceOf(Error);
		expect(String(err.message)).toMatch(/stream broke off/);
		const rows = await until(
			async () => (await call(server, 'GET', '/api/system/audit-logs?limit=5', { token: admin.token })).body.items as any[],
			(r) => r.some((x) => x.error_type === 'backend_network')
		);
		expect(rows.find((r) => r.error_type === 'backend_network')).toMatchObject({ backend: 'alpha', status: 'error' });
		alpha.setMode({ kind: 'ok' });
	});

	it('the request time limit applies to a remote backend, streamed or not', async () => {
		await call(server, 'PATCH', `/api/backends/${ids.alpha}`, { token: admin.token, body: { timeout_ms: 60_000 } });
		expect((await call(server, 'PUT', '/api/settings/pool', { token: admin.token, body: { request_timeout: '1s' } })).status).toBe(200);
		alpha.setMode({ kind: 'hang' });
		const closedBefore = alpha.closedEarly();
		try {
			const err = await ask('exact-one').catch((e) => e);
			expect(err.status).toBe(504);
			expect(err.code).toBe('timeout');
			await until(async () => alpha.closedEarly(), (n) => n > closedBefore);
			expect(alpha.closedEarly()).toBeGreaterThan(closedBefore);
		} finally {
			await call(server, 'PUT', '/api/settings/pool', { token: admin.token, body: { request_timeout: '10m' } });
			alpha.setMode({ kind: 'ok' });
		}
	});

	it('audits which backend served, or failed', async () => {
		const rows = await until(
			async () => (await call(server, 'GET', '/api/system/audit-logs?limit=200', { token: admin.token })).body.items as any[],
			(r) => r.some((x) => x.backend === 'alpha' && x.status === 'error')
		);
		expect(rows.filter((r) => r.backend === 'beta' && r.model === 'team-x' && r.status === 'success').length).toBeGreaterThanOrEqual(5);
		expect(rows.find((r) => r.backend === 'alpha' && r.status === 'error')?.error_type).toMatch(/^backend_/);
	});
});

describe('an Anthropic backend', () => {
	const MODEL = 'anthropic/claude-fake-1';

	it('answers /v1/chat/completions through translation, with its usage', async () => {
		const answer = await openai.chat.completions.create({
			model: MODEL,
			messages: [
				{ role: 'system', content: 'Be brief.' },
				{ role: 'user', content: 'Hi' }
			],
			max_tokens: 50
		});
		expect(answer.choices[0].message.content).toBe('bonjour de claude');
		expect(answer.choices[0].finish_reason).toBe('stop');
		expect(answer.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 4 });
		const sent = claude.received.filter((r) => r.path === '/v1/messages').at(-1)!;
		expect(sent.body).toMatchObject({ model: 'claude-fake-1', system: 'Be brief.', max_tokens: 50, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] });
		expect(sent.headers['x-api-key']).toBe(CLAUDE_KEY);
		expect(sent.headers.authorization).toBeUndefined();
	});

	it('streams /v1/chat/completions through translation', async () => {
		const stream = await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } });
		let text = '';
		let finish: string | null = null;
		let usage: OpenAI.CompletionUsage | undefined;
		for await (const chunk of stream) {
			text += chunk.choices[0]?.delta.content ?? '';
			finish = chunk.choices[0]?.finish_reason ?? finish;
			usage = chunk.usage ?? usage;
		}
		expect(text).toBe('bonjour de claude');
		expect(finish).toBe('stop');
		expect(usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 4 });
	});

	it('passes /v1/messages through, plain and streamed', async () => {
		const client = new Anthropic({ apiKey: admin.token, baseURL: server.url, maxRetries: 0 });
		const msg = await client.messages.create({ model: MODEL, max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] });
		expect(msg.content).toEqual([{ type: 'text', text: 'bonjour de claude' }]);
		const stream = client.messages.stream({ model: MODEL, max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] });
		expect((await stream.finalMessage()).content).toEqual([{ type: 'text', text: 'bonjour de claude' }]);
	});

	it('and an OpenAI-compatible backend answers /v1/messages through translation', async () => {
		const client = new Anthropic({ apiKey: admin.token, baseURL: server.url, maxRetries: 0 });
		const msg = await client.messages.create({ model: 'alpha-model', max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] });
		expect(msg.content).toEqual([{ type: 'text', text: 'hello from alpha' }]);
		expect(msg.usage.output_tokens).toBe(3);
		const final = await client.messages.stream({ model: 'alpha-model', max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] }).finalMessage();
		expect(final.content).toEqual([{ type: 'text', text: 'hello from alpha' }]);
		expect(final.stop_reason).toBe('end_turn');
	});

	it('answers /v1/responses through chat, plain and streamed; so does a server without the Responses API', async () => {
		const answer = await openai.responses.create({ model: MODEL, input: 'Hi', instructions: 'Be brief.' });
		expect(answer.status).toBe('completed');
		expect(answer.output_text).toBe('bonjour de claude');
		expect(answer.usage).toMatchObject({ input_tokens: 11, output_tokens: 4 });
		expect(claude.received.filter((r) => r.path === '/v1/messages').at(-1)!.body).toMatchObject({ system: 'Be brief.', stream: true });
		const stream = await openai.responses.create({ model: MODEL, input: 'Hi', stream: true });
		let text = '';
		let completed: any = null;
		for await (const event of stream) {
			if (event.type === 'response.output_text.delta') text += event.delta;
			if (event.type === 'response.completed') completed = event.response;
		}
		expect(text).toBe('bonjour de claude');
		expect(completed?.output_text).toBe('bonjour de claude');
		// alpha answers 404 to /v1/responses: its chat completions serve instead.
		const viaChat = await openai.responses.create({ model: 'alpha-model', input: 'Hi' });
		expect(viaChat.output_text).toBe('hello from alpha');
		expect(alpha.received.filter((r) => r.path === '/v1/responses').length).toBeGreaterThan(0);
	});

	it('keeps its key out of the database file, the answers and the logs', async () => {
		const listed = JSON.stringify((await call(server, 'GET', '/api/backends', { token: admin.token })).body);
		for (const key of [CLAUDE_KEY, ALPHA_KEY]) {
			expect(listed).not.toContain(key);
			expect(server.logs()).not.toContain(key);
			for (const file of fs.readdirSync(server.dataDir).filter((f) => /\.(db|sqlite)(-wal)?$/.test(f))) {
				expect(fs.readFileSync(path.join(server.dataDir, file)).includes(key)).toBe(false);
			}
		}
	});
});
