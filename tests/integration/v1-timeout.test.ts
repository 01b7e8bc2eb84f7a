import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { call, signUp, startServer, tempDir, type SignedIn, type TestServer, until } from '../helpers/server';

const MODEL = 'test/tiny/tiny.gguf';
let server: TestServer;
let admin: SignedIn;

beforeAll(async () => {
	const dataDir = tempDir();
	writeTinyLlama(path.join(dataDir, 'models', MODEL), { contextLength: 4096 });
	// Generating 3,000 tokens takes seconds even on a fast machine; the limit is far below that.
	server = await startServer({ dataDir, env: { LLM_MANAGER_REQUEST_TIMEOUT: '700ms' } });
	admin = await signUp(server, 'admin@example.com');
	const profile = await call(server, 'POST', '/api/profiles', {
		token: admin.token,
		body: { name: 'long', model_id: MODEL, context_size: 4096, max_tokens: 3000 }
	});
	expect(profile.status).toBe(201);
	// Load outside any /v1 request so the limit is spent generating, not loading.
	expect((await call(server, 'POST', `/api/servers/${profile.body.id}/start`, { token: admin.token })).status).toBe(202);
	const health = await until(
		() => call(server, 'GET', `/api/servers/${profile.body.id}/health`, { token: admin.token }),
		(r) => r.body.model_loaded === true
	);
	expect(health.body.model_loaded).toBe(true);
});

afterAll(async () => {
	await server?.stop();
});

const chat = (stream: boolean) =>
	fetch(`${server.url}/v1/chat/completions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
		body: JSON.stringify({ model: 'long', stream, max_tokens: 3000, messages: [{ role: 'user', content: 'Write a lot' }] })
	});

describe('a /v1 request that runs past LLM_MANAGER_REQUEST_TIMEOUT', () => {
	it('answers 504 in the OpenAI envelope', async () => {
		const res = await chat(false);
		expect(res.status).toBe(504);
		const body = await res.json();
		expect(body.error).toMatchObject({ code: 'timeout', type: 'timeout_error' });
		expect(body.error.message).toMatch(/did not finish within 0\.7 s/);
	});

	it('ends a stream with a timeout error event instead of [DONE]', async () => {
		const res = await chat(true);
		expect(res.status).toBe(200);
		const events = (await res.text())
			.split('\n\n')
			.map((e) => e.replace(/^data: /, '').trim())
			.filter(Boolean);
		expect(events[0]).toContain('"role":"assistant"');
		expect(events).not.toContain('[DONE]');
		expect(JSON.parse(events.at(-1)!).error).toMatchObject({ code: 'timeout', type: 'timeout_error' });
	});

	it('leaves audit rows with status timeout and frees the model', async () => {
		const rows = await until(
			() => call(server, 'GET', '/api/system/audit-logs?status=timeout', { token: admin.token }),
			(r) => r.body.items?.length >= 2
		);
		expect(rows.body.items).toHaveLength(2);
		for (const row of rows.body.items) {
			expect(row).toMatchObject({ model: 'long', endpoint: '/v1/chat/completions', status: 'timeout', error_type: 'timeout' });
			expect(row.duration_ms).toBeGreaterThanOrEqual(700);
		}
		const models = await until(
			() => call(server, 'GET', '/api/servers/models', { token: admin.token }),
			(r) => r.body.every((m: { active_requests: number }) => m.active_requests === 0)
		);
		expect(models.body[0].active_requests).toBe(0);
	});

	it('follows the time limit set on the settings page at once', async () => {
		const put = await call(server, 'PUT', '/api/settings/pool', { token: admin.token, body: { request_timeout: '0' } });
		expect(put.status).toBe(200);
		expect(put.body.request_timeout).toBe('0');
		const res = await chat(false);
		expect(res.status).toBe(200);
		expect((await res.json()).choices[0].finish_reason).toBe('length');
	});
});
