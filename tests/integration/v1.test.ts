import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { call, signUp, startServer, tempDir, type SignedIn, type TestServer, until } from '../helpers/server';

const MODEL = 'test/tiny/tiny.gguf';
let server: TestServer;
let admin: SignedIn;
let client: OpenAI;

beforeAll(async () => {
	const dataDir = tempDir();
	writeTinyLlama(path.join(dataDir, 'models', MODEL), {});
	server = await startServer({ dataDir });
	admin = await signUp(server, 'admin@example.com');
	client = new OpenAI({ apiKey: admin.token, baseURL: `${server.url}/v1`, maxRetries: 0 });
	const profile = await call(server, 'POST', '/api/profiles', {
		token: admin.token,
		body: { name: 'tiny-chat', model_id: MODEL, context_size: 512, parallel: 2, max_tokens: 16 }
	});
	expect(profile.status).toBe(201);
});

afterAll(async () => {
	await server?.stop();
});

describe('/v1 with the official openai client', () => {
	it('lists profiles and local models, and one model by its id with slashes', async () => {
		const ids = [];
		for await (const model of client.models.list()) ids.push(model.id);
		expect(ids).toEqual(expect.arrayContaining(['tiny-chat', MODEL]));
		const one = await client.models.retrieve(MODEL);
		expect(one).toMatchObject({ id: MODEL, object: 'model' });
	});

	it('answers a chat with usage', async () => {
		const res = await client.chat.completions.create({
			model: MODEL,
			messages: [{ role: 'user', content: 'Say hello' }],
			max_tokens: 8
		});
		expect(res.object).toBe('chat.completion');
		expect(res.choices[0].message.role).toBe('assistant');
		expect(res.choices[0].message.content!.length).toBeGreaterThan(0);
		expect(res.choices[0].finish_reason).toBe('length');
		expect(res.usage).toMatchObject({ completion_tokens: 8 });
		expect(res.usage!.prompt_tokens).toBeGreaterThan(0);
	});

	it('counts the prompt once, even when a long answer makes the context shift', async () => {
		const ask = (max_tokens: number) =>
			client.chat.completions.create({ model: 'tiny-chat', messages: [{ role: 'user', content: 'Count for me' }], max_tokens });
		const short = await ask(4);
		// tiny-chat has a 512-token context: an answer longer than what is left after the prompt only
		// fits by shifting the context, which evaluates part of it again.
		const long = await ask(700);
		const prompt = short.usage!.prompt_tokens;
		expect(long.usage!.completion_tokens).toBeGreaterThan(512 - prompt);
		expect(long.usage!.prompt_tokens).toBe(prompt);
		expect(long.usage!.total_tokens).toBe(prompt + long.usage!.completion_tokens);
	});

	it('streams a chat: role first, finish reason last, then usage', async () => {
		const stream = await client.chat.completions.create({
			model: 'tiny-chat',
			messages: [{ role: 'user', content: 'Count' }],
			max_tokens: 6,
			stream: true,
			stream_options: { include_usage: true }
		});
		const chunks = [];
		for await (const chunk of stream) chunks.push(chunk);
		expect(chunks[0].choices[0].delta.role).toBe('assistant');
		const withChoices = chunks.filter((c) => c.choices.length > 0);
		expect(withChoices.at(-1)!.choices[0].finish_reason).toBe('length');
		expect(withChoices.map((c) => c.choices[0].delta.content ?? '').join('').length).toBeGreaterThan(0);
		expect(chunks.at(-1)!.usage).toMatchObject({ completion_tokens: 6 });
	});

	it('completes a prompt, plain and streamed', async () => {
		const res = await client.completions.create({ model: MODEL, prompt: 'Once upon', max_tokens: 5 });
		expect(res.choices[0].text.length).toBeGreaterThan(0);
		expect(res.usage).toMatchObject({ completion_tokens: 5 });
		const stream = await client.completions.create({ model: MODEL, prompt: 'Once upon', max_tokens: 5, stream: true });
		let text = '';
		for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
		expect(text.length).toBeGreaterThan(0);
	});

	it('embeds a string and an array', async () => {
		const one = await client.embeddings.create({ model: MODEL, input: 'hello' });
		expect(one.data).toHaveLength(1);
		expect(one.data[0].embedding.length).toBeGreaterThan(0);
		const two = await client.embeddings.create({ model: MODEL, input: ['a', 'b c'] });
		expect(two.data.map((d) => d.index)).toEqual([0, 1]);
	});

	it('returns JSON that validates against a json_schema', async () => {
		const schema = {
			type: 'object',
			properties: { name: { type: 'string', maxLength: 12 }, age: { type: 'integer' }, tags: { type: 'array', items: { type: 'string', maxLength: 5 }, maxItems: 2 } },
			required: ['name', 'age', 'tags'],
			additionalProperties: false
		};
		const res = await client.chat.completions.create({
			model: MODEL,
			messages: [{ role: 'user', content: 'A person as JSON' }],
			max_tokens: 200,
			response_format: { type: 'json_schema', json_schema: { name: 'person', schema, strict: true } }
		});
		const value = JSON.parse(res.choices[0].message.content!);
		expect(Object.keys(value).sort()).toEqual(['age', 'name', 'tags']);
		expect(typeof value.name).toBe('string');
		expect(value.name.length).toBeLessThanOrEqual(12);
		expect(Number.isInteger(value.age)).toBe(true);
		expect(Array.isArray(value.tags)).toBe(true);
	});

	it('returns parseable JSON even when max_tokens cuts the answer off', async () => {
		const res = await client.chat.completions.create({
			model: MODEL,
			messages: [{ role: 'user', content: 'JSON please' }],
			max_tokens: 4,
			response_format: { type: 'json_object' }
		});
		expect(res.choices[0].finish_reason).toBe('length');
		expect(() => JSON.parse(res.choices[0].message.content!)).not.toThrow();
	});

	it('completes 4 concurrent chats on a model with 2 sequences', async () => {
		const results = await Promise.all(
			[1, 2, 3, 4].map((i) =>
				client.chat.completions.create({ model: 'tiny-chat', messages: [{ role: 'user', content: `Hi ${i}` }], max_tokens: 10 })
			)
		);
		for (const res of results) expect(res.choices[0].message.content!.length).toBeGreaterThan(0);
		const models = await call(server, 'GET', '/api/servers/models', { token: admin.token });
		expect(models.body.find((m: { model_id: string }) => m.model_id === MODEL)).toMatchObject({ active_requests: 0, queued_requests: 0 });
	});

	it('frees the sequence when the client aborts a stream', async () => {
		const stream = await client.chat.completions.create({
			model: 'tiny-chat',
			messages: [{ role: 'user', content: 'Talk' }],
			max_tokens: 500,
			stream: true
		});
		let seen = 0;
		try {
			for await (const chunk of stream) {
				if (chunk.choices[0]?.delta.content && ++seen >= 3) stream.controller.abort();
			}
		} catch {
			// the aborted stream ends with an abort error
		}
		const models = await until(
			() => call(server, 'GET', '/api/servers/models', { token: admin.token }),
			(r) => r.body.every((m: { active_requests: number }) => m.active_requests === 0)
		);
		expect(models.body.map((m: { active_requests: number }) => m.active_requests)).toEqual(models.body.map(() => 0));
	});

	it('accepts tools and a tool result round trip', async () => {
		const tools = [
			{
				type: 'function' as const,
				function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } }
			}
		];
		const first = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools, max_tokens: 8 });
		expect(['stop', 'length', 'tool_calls']).toContain(first.choices[0].finish_reason);
		const second = await client.chat.completions.create({
			model: MODEL,
			tools,
			max_tokens: 8,
			messages: [
				{ role: 'user', content: 'Weather in Paris?' },
				{ role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
				{ role: 'tool', tool_call_id: 'call_1', content: '{"temp_c":21}' }
			]
		});
		expect(second.choices[0].message.role).toBe('assistant');
		const orphan = await call(server, 'POST', '/v1/chat/completions', {
			token: admin.token,
			body: { model: MODEL, messages: [{ role: 'tool', tool_call_id: 'nope', content: 'x' }] }
		});
		expect(orphan.status).toBe(400);
	});

	it('refuses an unauthenticated request with a 401 envelope', async () => {
		const anonymous = await call(server, 'POST', '/v1/chat/completions', { body: { model: MODEL, messages: [{ role: 'user', content: 'x' }] } });
		expect(anonymous.status).toBe(401);
		expect(anonymous.body.error).toMatchObject({ type: 'invalid_request_error', code: 'missing_api_key' });
		const bad = new OpenAI({ apiKey: 'not-a-key', baseURL: `${server.url}/v1`, maxRetries: 0 });
		await expect(bad.models.list()).rejects.toMatchObject({ status: 401 });
	});

	it('answers an unknown model with a 404 model_not_found envelope', async () => {
		const err = await client.chat.completions
			.create({ model: 'nobody/nothing/none.gguf', messages: [{ role: 'user', content: 'x' }] })
			.catch((e) => e);
		expect(err.status).toBe(404);
		expect(err.code).toBe('model_not_found');
		const missing = await call(server, 'GET', '/v1/models/no/such/model.gguf', { token: admin.token });
		expect(missing.status).toBe(404);
		expect(missing.body.error.code).toBe('model_not_found');
	});

	it('rejects bad bodies and path escapes with 400 envelopes', async () => {
		const malformed = await call(server, 'POST', '/v1/chat/completions', { token: admin.token, body: '{not json' });
		expect(malformed.status).toBe(400);
		expect(malformed.body.error.type).toBe('invalid_request_error');
		const noMessages = await call(server, 'POST', '/v1/chat/completions', { token: admin.token, body: { model: MODEL, messages: [] } });
		expect(noMessages.status).toBe(400);
		expect(noMessages.body.error.param).toBe('messages');
		const escape = await call(server, 'POST', '/v1/chat/completions', {
			token: admin.token,
			body: { model: '../../etc/passwd.gguf', messages: [{ role: 'user', content: 'x' }] }
		});
		expect(escape.status).toBe(404);
		expect(escape.body.error.code).toBe('model_not_found');
	});

	it('limits an API key to its allowed models', async () => {
		const key = await call(server, 'POST', '/api/auth/api-keys', { token: admin.token, body: { name: 'limited', allowed_models: ['tiny-chat'] } });
		expect(key.status).toBe(201);
		const limited = new OpenAI({ apiKey: key.body.key, baseURL: `${server.url}/v1`, maxRetries: 0 });
		const ids = [];
		for await (const model of limited.models.list()) ids.push(model.id);
		expect(ids).toEqual(['tiny-chat']);
		const err = await limited.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
		expect(err.status).toBe(403);
	});
});
