import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { call, signUp, startServer, tempDir, type SignedIn, type TestServer, until } from '../helpers/server';

/** A full wait queue answers 429 with Retry-After in the OpenAI envelope (LLM_MANAGER_MAX_QUEUE = 2). */
const MODEL = 'test/tiny/tiny.gguf';
let server: TestServer;
let admin: SignedIn;
let client: OpenAI;

beforeAll(async () => {
	const dataDir = tempDir();
	writeTinyLlama(path.join(dataDir, 'models', MODEL), { contextLength: 8192 });
	server = await startServer({ dataDir, env: { LLM_MANAGER_MAX_QUEUE: '2' } });
	admin = await signUp(server, 'admin@example.com');
	client = new OpenAI({ apiKey: admin.token, baseURL: `${server.url}/v1`, maxRetries: 0 });
	const res = await call(server, 'POST', '/api/profiles', {
		token: admin.token,
		body: { name: 'one-seat', model_id: MODEL, context_size: 8192, parallel: 1, max_tokens: 8000 }
	});
	expect(res.status).toBe(201);
});

afterAll(async () => {
	await server?.stop();
});

type Entry = { profile_name: string; busy_sequences: number; queued_requests: number; queue_wait_ms: number };
const entry = async (): Promise<Entry | undefined> =>
	(await call(server, 'GET', '/api/servers', { token: admin.token })).body.find((s: Entry) => s.profile_name === 'one-seat');

describe('a full queue', () => {
	it('answers 429 with Retry-After once one request runs and two wait; the queue drains afterwards', async () => {
		const controllers: AbortController[] = [];
		const pending: Promise<unknown>[] = [];
		// Long generations (8,000 tokens) hold the only sequence while the queue fills; they are aborted below.
		for (let i = 0; i < 3; i++) {
			const controller = new AbortController();
			controllers.push(controller);
			pending.push(
				fetch(`${server.url}/v1/chat/completions`, {
					method: 'POST',
					signal: controller.signal,
					headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
					body: JSON.stringify({ model: 'one-seat', messages: [{ role: 'user', content: `Long story ${i}` }], stream: true })
				})
					.then((res) => res.text())
					.catch(() => null)
			);
			await until(entry, (e) => !!e && e.busy_sequences + e.queued_requests >= i + 1);
		}
		const state = await entry();
		expect(state).toMatchObject({ busy_sequences: 1, queued_requests: 2 });

		const refused = await call(server, 'POST', '/v1/chat/completions', {
			token: admin.token,
			body: { model: 'one-seat', messages: [{ role: 'user', content: 'one more' }], max_tokens: 4 }
		});
		expect(refused.status).toBe(429);
		expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
		expect(refused.body.error).toMatchObject({ type: 'rate_limit_error', code: 'queue_full' });

		// The official client sees a RateLimitError (what it retries on by itself).
		const err = await client.chat.completions.create({ model: 'one-seat', messages: [{ role: 'user', content: 'x' }], max_tokens: 4 }).catch((e) => e);
		expect(err).toBeInstanceOf(OpenAI.RateLimitError);

		for (const c of controllers) c.abort();
		await Promise.all(pending);
		await until(entry, (e) => !!e && e.busy_sequences === 0 && e.queued_requests === 0);
		const after = await client.chat.completions.create({ model: 'one-seat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 });
		expect(after.choices[0].message.content!.length).toBeGreaterThan(0);
	});
});
