/**
 * Translation between the OpenAI and Anthropic shapes: an Anthropic-shaped fake backend answers
 * `/v1/chat/completions` and `/v1/responses`, passes `/v1/messages` through, an OpenAI-shaped one
 * answers `/v1/messages`; and the backends' keys stay out of the database file, answers and logs.
 */
import fs from 'node:fs';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALPHA_KEY, CLAUDE_KEY, startBackendsEnv, type BackendsEnv } from '../helpers/backends';
import type { FakeUpstream } from '../helpers/fake-upstream';
import { call, type SignedIn, type TestServer } from '../helpers/server';

let env: BackendsEnv;
let server: TestServer;
let admin: SignedIn;
let alpha: FakeUpstream;
let claude: FakeUpstream;
let openai: OpenAI;

beforeAll(async () => {
	env = await startBackendsEnv();
	({ server, admin, alpha, claude, openai } = env);
});

afterAll(async () => {
	await env?.close();
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
