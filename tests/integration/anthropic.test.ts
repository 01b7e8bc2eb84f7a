/**
 * `/v1/messages` with the official Anthropic SDK (what Claude Code and agent frameworks use), against
 * the built server and a generated model.
 */
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { call, signUp, startServer, tempDir, until, type SignedIn, type TestServer } from '../helpers/server';

const MODEL = 'test/tiny/tiny.gguf';
let server: TestServer;
let admin: SignedIn;
let apiKey: string;
let client: Anthropic;

beforeAll(async () => {
	const dataDir = tempDir();
	writeTinyLlama(path.join(dataDir, 'models', MODEL), {});
	server = await startServer({ dataDir });
	admin = await signUp(server, 'admin@example.com');
	const key = await call(server, 'POST', '/api/auth/api-keys', { token: admin.token, body: { name: 'claude' } });
	apiKey = key.body.key;
	// The SDK sends the key as `x-api-key` and an `anthropic-version` header.
	client = new Anthropic({ apiKey, baseURL: server.url, maxRetries: 0 });
	const profile = await call(server, 'POST', '/api/profiles', {
		token: admin.token,
		body: { name: 'tiny-claude', model_id: MODEL, context_size: 2048, parallel: 2, max_tokens: 16 }
	});
	expect(profile.status).toBe(201);
});

afterAll(async () => {
	await server?.stop();
});

describe('/v1/messages with the official Anthropic SDK', () => {
	it('answers messages.create with a message, a stop reason and usage (x-api-key)', async () => {
		const msg = await client.messages.create({
			model: 'tiny-claude',
			max_tokens: 8,
			system: [{ type: 'text', text: 'You are terse.' }],
			messages: [{ role: 'user', content: 'Say hello' }],
			metadata: { user_id: 'someone' }
		});
		expect(msg.id).toMatch(/^msg_/);
		expect(msg).toMatchObject({ type: 'message', role: 'assistant', model: 'tiny-claude', stop_reason: 'max_tokens', stop_sequence: null });
		expect(msg.content).toHaveLength(1);
		expect(msg.content[0].type).toBe('text');
		expect((msg.content[0] as Anthropic.TextBlock).text.length).toBeGreaterThan(0);
		expect(msg.usage.output_tokens).toBe(8);
		expect(msg.usage.input_tokens).toBeGreaterThan(0);
	});

	it('streams Anthropic events in order and assembles the final message', async () => {
		const stream = client.messages.stream({
			model: MODEL,
			max_tokens: 6,
			messages: [{ role: 'user', content: [{ type: 'text', text: 'Count' }] }]
		});
		const types: string[] = [];
		let text = '';
		stream.on('streamEvent', (event) => types.push(event.type));
		stream.on('text', (delta) => (text += delta));
		const final = await stream.finalMessage();
		expect(types.slice(0, 2)).toEqual(['message_start', 'content_block_start']);
		expect(types.at(-1)).toBe('message_stop');
		expect(types.at(-2)).toBe('message_delta');
		expect(types.at(-3)).toBe('content_block_stop');
		expect(types.filter((t) => t === 'content_block_delta').length).toBeGreaterThan(0);
		expect(final.stop_reason).toBe('max_tokens');
		expect(final.usage.output_tokens).toBe(6);
		expect((final.content[0] as Anthropic.TextBlock).text).toBe(text);
		expect(text.length).toBeGreaterThan(0);
	});

	it('sends ping after message_start on the wire', async () => {
		const res = await fetch(`${server.url}/v1/messages`, {
			method: 'POST',
			headers: { 'x-api-key': apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
			body: JSON.stringify({ model: MODEL, max_tokens: 3, stream: true, messages: [{ role: 'user', content: 'Hi' }] })
		});
		expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
		const names = [...(await res.text()).matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
		expect(names.slice(0, 3)).toEqual(['message_start', 'ping', 'content_block_start']);
		expect(names.slice(-2)).toEqual(['message_delta', 'message_stop']);
	});

	it('stops at a stop sequence and says which one', async () => {
		// Random weights: find a character the model is about to write, then ask it to stop there.
		// A profile with temperature 0: the same answer every time.
		const greedy = await call(server, 'POST', '/api/profiles', {
			token: admin.token,
			body: { name: 'tiny-greedy', model_id: MODEL, context_size: 2048, parallel: 2, temperature: 0 }
		});
		expect(greedy.status).toBe(201);
		const probe = await client.messages.create({ model: 'tiny-greedy', max_tokens: 8, messages: [{ role: 'user', content: 'Go' }] });
		const text = (probe.content[0] as Anthropic.TextBlock).text;
		const stop = text.slice(3, 4);
		const msg = await client.messages.create({
			model: 'tiny-greedy',
			max_tokens: 8,
			stop_sequences: [stop],
			messages: [{ role: 'user', content: 'Go' }]
		});
		expect(msg.stop_reason).toBe('stop_sequence');
		expect(msg.stop_sequence).toBe(stop);
		expect((msg.content[0] as Anthropic.TextBlock).text).not.toContain(stop);
	});

	const tools: Anthropic.Tool[] = [
		{
			name: 'get_weather',
			description: 'Weather of a city',
			input_schema: { type: 'object', properties: { city: { type: 'string', maxLength: 8 } }, required: ['city'], additionalProperties: false }
		},
		{ name: 'get_time', description: 'The time now', input_schema: { type: 'object', properties: {} } }
	];
	const ask: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];

	it('takes a tool-use round trip: a forced tool_use, then its tool_result in the history', async () => {
		const first = await client.messages.create({ model: MODEL, max_tokens: 400, tools, tool_choice: { type: 'tool', name: 'get_weather' }, messages: ask });
		expect(first.stop_reason).toBe('tool_use');
		expect(first.content.map((b) => b.type)).toEqual(['tool_use']);
		const use = first.content[0] as Anthropic.ToolUseBlock;
		expect(use.id).toMatch(/^toolu_/);
		expect(use.name).toBe('get_weather');
		expect(Object.keys(use.input as object)).toEqual(['city']);
		expect(typeof (use.input as { city: unknown }).city).toBe('string');
		const answer = await client.messages.create({
			model: MODEL,
			max_tokens: 8,
			tools,
			messages: [
				...ask,
				{ role: 'assistant', content: first.content },
				{ role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '{"temp_c": 21}' }] }
			]
		});
		expect(answer.role).toBe('assistant');
		expect(['end_turn', 'max_tokens', 'tool_use']).toContain(answer.stop_reason);
		const orphan = await client.messages
			.create({ model: MODEL, max_tokens: 4, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'nope', content: 'x' }] }] })
			.catch((e) => e);
		expect(orphan).toBeInstanceOf(Anthropic.BadRequestError);
	});

	it('forces a call with tool_choice any, streamed as input_json_delta; none calls nothing', async () => {
		const stream = client.messages.stream({ model: MODEL, max_tokens: 400, tools, tool_choice: { type: 'any', disable_parallel_tool_use: true }, messages: ask });
		const deltas: string[] = [];
		stream.on('streamEvent', (event) => {
			if (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta') deltas.push(event.delta.partial_json);
		});
		const final = await stream.finalMessage();
		expect(final.stop_reason).toBe('tool_use');
		expect(final.content).toHaveLength(1);
		const use = final.content[0] as Anthropic.ToolUseBlock;
		expect(['get_weather', 'get_time']).toContain(use.name);
		expect(deltas.length).toBeGreaterThan(0);
		expect(JSON.parse(deltas.join(''))).toEqual(use.input);
		const none = await client.messages.create({ model: MODEL, max_tokens: 6, tools, tool_choice: { type: 'none' }, messages: ask });
		expect(none.content.map((b) => b.type)).toEqual(['text']);
		expect(none.stop_reason).toBe('max_tokens');
		const unknown = await client.messages.create({ model: MODEL, max_tokens: 6, tools, tool_choice: { type: 'tool', name: 'nope' }, messages: ask }).catch((e) => e);
		expect(unknown).toBeInstanceOf(Anthropic.BadRequestError);
	});

	it('counts tokens with countTokens, and more with a longer prompt', async () => {
		const short = await client.messages.countTokens({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }] });
		const long = await client.messages.countTokens({
			model: MODEL,
			system: 'You are a helpful assistant.',
			messages: [{ role: 'user', content: 'Hi, how is the weather today in the city?' }]
		});
		expect(short.input_tokens).toBeGreaterThan(0);
		expect(long.input_tokens).toBeGreaterThan(short.input_tokens);
		const msg = await client.messages.create({ model: MODEL, max_tokens: 2, messages: [{ role: 'user', content: 'Hi' }] });
		// A prefix the sequence still holds from an earlier request is read from the cache, not evaluated.
		expect(msg.usage.input_tokens).toBeGreaterThan(0);
		expect(msg.usage.input_tokens + (msg.usage.cache_read_input_tokens ?? 0)).toBe(short.input_tokens);
	});

	it('accepts the newer thinking and output_config settings, and JSON output by schema', async () => {
		const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'], additionalProperties: false };
		const msg = await client.messages.create({
			model: MODEL,
			max_tokens: 60,
			thinking: { type: 'adaptive' },
			output_config: { effort: 'low', format: { type: 'json_schema', schema } },
			messages: [{ role: 'user', content: 'A number as JSON' }]
		});
		const value = JSON.parse((msg.content[0] as Anthropic.TextBlock).text);
		expect(Number.isInteger(value.n)).toBe(true);
	});

	it('answers errors in Anthropic’s envelope with its statuses', async () => {
		const bad = new Anthropic({ apiKey: 'llm_not-a-real-key', baseURL: server.url, maxRetries: 0 });
		const unauthorized = await bad.messages.create({ model: MODEL, max_tokens: 1, messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
		expect(unauthorized).toBeInstanceOf(Anthropic.AuthenticationError);
		expect(unauthorized.error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });

		const anonymous = await call(server, 'POST', '/v1/messages', { body: { model: MODEL, max_tokens: 1, messages: [] } });
		expect(anonymous.status).toBe(401);
		expect(anonymous.body).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });

		const missing = await client.messages.create({ model: 'nobody/none/none.gguf', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
		expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
		expect(missing.error.error.type).toBe('not_found_error');

		const noMaxTokens = await call(server, 'POST', '/v1/messages', { headers: { 'x-api-key': apiKey }, body: { model: MODEL, messages: [{ role: 'user', content: 'x' }] } });
		expect(noMaxTokens.status).toBe(400);
		expect(noMaxTokens.body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
		expect(noMaxTokens.body.error.message).toMatch(/max_tokens/);

		const malformed = await call(server, 'POST', '/v1/messages', { headers: { 'x-api-key': apiKey }, body: '{"model":' });
		expect(malformed.status).toBe(400);
		expect(malformed.body.type).toBe('error');

		const image = await call(server, 'POST', '/v1/messages', {
			headers: { 'x-api-key': apiKey },
			body: { model: MODEL, max_tokens: 1, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AA==' } }] }] }
		});
		expect(image.status).toBe(400);
		expect(image.body.error.type).toBe('invalid_request_error');
	});

	it('applies the API key’s model list, and audits requests as /v1/messages', async () => {
		const key = await call(server, 'POST', '/api/auth/api-keys', { token: admin.token, body: { name: 'limited', allowed_models: ['tiny-claude'] } });
		const limited = new Anthropic({ apiKey: key.body.key, baseURL: server.url, maxRetries: 0 });
		const refused = await limited.messages.create({ model: MODEL, max_tokens: 1, messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
		expect(refused).toBeInstanceOf(Anthropic.PermissionDeniedError);
		const ok = await limited.messages.create({ model: 'tiny-claude', max_tokens: 2, messages: [{ role: 'user', content: 'x' }] });
		expect(ok.usage.output_tokens).toBe(2);
		type Row = { endpoint: string; status: string; model: string; error_type: string | null };
		const audited = (rows: Row[]) => [
			rows.some((r) => r.endpoint === '/v1/messages' && r.status === 'success' && r.model === 'tiny-claude'),
			rows.some((r) => r.endpoint === '/v1/messages' && r.status === 'error' && r.error_type === 'model_not_allowed')
		];
		const rows = await until(
			async () => (await call(server, 'GET', '/api/system/audit-logs?limit=200', { token: admin.token })).body.items as Row[],
			(items) => audited(items).every(Boolean)
		);
		expect(audited(rows)).toEqual([true, true]);
	});
});
