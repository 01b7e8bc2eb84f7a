import path from 'node:path';
import { Ajv } from 'ajv';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { call, signUp, startServer, tempDir, type SignedIn, type TestServer } from '../helpers/server';

const MODEL = 'test/tiny/tiny.gguf';
/** The same model declaring a 256-token context. */
const SMALL = 'test/tiny/small.gguf';
let server: TestServer;
let admin: SignedIn;
let client: OpenAI;

const weather = {
	type: 'object',
	properties: { city: { type: 'string', maxLength: 8 }, unit: { type: 'string', enum: ['c', 'f'] } },
	required: ['city', 'unit'],
	additionalProperties: false
};
const clock = { type: 'object', properties: { zone: { type: 'string', enum: ['utc', 'cet'] } }, required: ['zone'], additionalProperties: false };
const tools: OpenAI.Chat.ChatCompletionTool[] = [
	{ type: 'function', function: { name: 'get_weather', description: 'Weather of a city', parameters: weather } },
	{ type: 'function', function: { name: 'get_time', description: 'Time in a zone', parameters: clock } }
];
const ajv = new Ajv({ strict: false });
const validators = { get_weather: ajv.compile(weather), get_time: ajv.compile(clock) };

/** Each call names a known tool and its arguments are valid against that tool's schema. */
function expectValidCalls(calls: { function: { name: string; arguments: string } }[]) {
	expect(calls.length).toBeGreaterThan(0);
	for (const c of calls) {
		const validate = validators[c.function.name as keyof typeof validators];
		expect(validate, c.function.name).toBeDefined();
		expect(validate(JSON.parse(c.function.arguments)), JSON.stringify(validate.errors)).toBe(true);
	}
}

beforeAll(async () => {
	const dataDir = tempDir();
	writeTinyLlama(path.join(dataDir, 'models', MODEL), {});
	writeTinyLlama(path.join(dataDir, 'models', SMALL), { contextLength: 256 });
	server = await startServer({ dataDir });
	admin = await signUp(server, 'admin@example.com');
	client = new OpenAI({ apiKey: admin.token, baseURL: `${server.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
	await server?.stop();
});

const ask = [{ role: 'user' as const, content: 'Weather in Paris?' }];

describe('forced tool calls', () => {
	it('tool_choice "required" always calls a tool, with arguments valid against its schema', async () => {
		for (const seed of [1, 2, 3]) {
			const res = await client.chat.completions.create({ model: MODEL, messages: ask, tools, tool_choice: 'required', max_tokens: 800, seed });
			const choice = res.choices[0];
			expect(choice.finish_reason).toBe('tool_calls');
			expect(choice.message.content).toBeNull();
			expectValidCalls(choice.message.tool_calls as OpenAI.Chat.ChatCompletionMessageFunctionToolCall[]);
			for (const c of choice.message.tool_calls!) expect(c.id).toMatch(/^call_/);
		}
	});

	it('a named function is the one called', async () => {
		const res = await client.chat.completions.create({
			model: MODEL,
			messages: ask,
			tools,
			tool_choice: { type: 'function', function: { name: 'get_time' } },
			max_tokens: 800
		});
		const calls = res.choices[0].message.tool_calls as OpenAI.Chat.ChatCompletionMessageFunctionToolCall[];
		expectValidCalls(calls);
		expect(calls.map((c) => c.function.name)).toEqual(calls.map(() => 'get_time'));
	});

	it('parallel_tool_calls: false makes exactly one call', async () => {
		for (const seed of [4, 5]) {
			const res = await client.chat.completions.create({
				model: MODEL,
				messages: ask,
				tools,
				tool_choice: 'required',
				parallel_tool_calls: false,
				max_tokens: 800,
				seed
			});
			expect(res.choices[0].message.tool_calls).toHaveLength(1);
			expectValidCalls(res.choices[0].message.tool_calls as OpenAI.Chat.ChatCompletionMessageFunctionToolCall[]);
		}
	});

	it('streams tool calls in OpenAI delta shape: index, id, type and name first, then argument pieces', async () => {
		const stream = await client.chat.completions.create({
			model: MODEL,
			messages: ask,
			tools,
			tool_choice: 'required',
			max_tokens: 800,
			stream: true
		});
		const calls: { id: string; name: string; args: string; pieces: number }[] = [];
		let finish: string | null = null;
		for await (const chunk of stream) {
			const choice = chunk.choices[0];
			if (!choice) continue;
			finish = choice.finish_reason ?? finish;
			for (const d of choice.delta.tool_calls ?? []) {
				if (d.id) {
					expect(d.index).toBe(calls.length);
					expect(d.type).toBe('function');
					expect(d.function?.name).toBeTruthy();
					expect(d.function?.arguments).toBe('');
					calls.push({ id: d.id, name: d.function!.name!, args: '', pieces: 0 });
				} else {
					expect(d.function?.name).toBeUndefined();
					const call = calls[d.index];
					expect(call).toBeDefined();
					call.args += d.function?.arguments ?? '';
					call.pieces++;
				}
			}
		}
		expect(finish).toBe('tool_calls');
		expectValidCalls(calls.map((c) => ({ function: { name: c.name, arguments: c.args } })));
		// The arguments arrive as they are generated, not in one piece at the end.
		expect(calls[0].pieces).toBeGreaterThan(1);
	});

	it('tools with response_format: the model calls a tool or answers in the schema', async () => {
		const schema = { type: 'object', properties: { answer: { type: 'string', maxLength: 10 } }, required: ['answer'], additionalProperties: false };
		const validate = ajv.compile(schema);
		const kinds = new Set<string>();
		for (const seed of [1, 2, 3, 4, 5, 6]) {
			const res = await client.chat.completions.create({
				model: MODEL,
				messages: ask,
				tools,
				response_format: { type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } },
				max_tokens: 800,
				seed
			});
			const m = res.choices[0].message;
			if (m.tool_calls?.length) {
				kinds.add('tool');
				expectValidCalls(m.tool_calls as OpenAI.Chat.ChatCompletionMessageFunctionToolCall[]);
			} else {
				kinds.add('answer');
				expect(validate(JSON.parse(m.content!)), m.content!).toBe(true);
			}
		}
		expect(kinds.size).toBeGreaterThan(0);
	});

	it('refuses tool_choice naming an unknown function, and "required" without tools', async () => {
		const unknown = await call(server, 'POST', '/v1/chat/completions', {
			token: admin.token,
			body: { model: MODEL, messages: ask, tools, tool_choice: { type: 'function', function: { name: 'nope' } } }
		});
		expect(unknown.status).toBe(400);
		expect(unknown.body.error.message).toContain('nope');
		const none = await call(server, 'POST', '/v1/chat/completions', { token: admin.token, body: { model: MODEL, messages: ask, tool_choice: 'required' } });
		expect(none.status).toBe(400);
	});
});

describe('the context check', () => {
	it('a prompt longer than the context is a 400 context_length_exceeded with the counts, streamed or not', async () => {
		for (const stream of [false, true]) {
			const res = await call(server, 'POST', '/v1/chat/completions', {
				token: admin.token,
				body: { model: SMALL, stream, messages: [{ role: 'user', content: 'word '.repeat(1200) }] }
			});
			expect(res.status).toBe(400);
			expect(res.headers.get('content-type')).toContain('application/json');
			expect(res.body.error).toMatchObject({ type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages' });
			expect(res.body.error.message).toMatch(/maximum context length is 256 tokens.*\d+ tokens/);
		}
	});

	it('tools that do not fit the context are a 400, not a 500', async () => {
		const many = Array.from({ length: 12 }, (_, i) => ({ type: 'function', function: { name: `tool_${i}`, description: 'x'.repeat(40), parameters: weather } }));
		const res = await call(server, 'POST', '/v1/chat/completions', {
			token: admin.token,
			body: { model: SMALL, messages: ask, tools: many, tool_choice: 'required' }
		});
		expect(res.status).toBe(400);
		expect(res.body.error.code).toBe('context_length_exceeded');
	});

	it('a prompt that fits is answered, and the same check applies to completions', async () => {
		const ok = await client.chat.completions.create({ model: SMALL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 });
		expect(ok.usage!.prompt_tokens).toBeGreaterThan(0);
		const long = await call(server, 'POST', '/v1/completions', { token: admin.token, body: { model: SMALL, prompt: 'x'.repeat(2000), stream: true } });
		expect(long.status).toBe(400);
		expect(long.body.error).toMatchObject({ code: 'context_length_exceeded', param: 'prompt' });
	});

	it('100,000 messages are refused at once while /health keeps answering', async () => {
		const messages = Array.from({ length: 100_000 }, () => ({ role: 'user', content: 'a' }));
		const body = JSON.stringify({ model: MODEL, messages });
		let done = false;
		const healthTimes: number[] = [];
		const probe = (async () => {
			while (!done) {
				const t0 = performance.now();
				const res = await fetch(`${server.url}/health`);
				expect(res.status).toBe(200);
				healthTimes.push(performance.now() - t0);
				await new Promise((r) => setTimeout(r, 20));
			}
		})();
		const t0 = performance.now();
		const res = await call(server, 'POST', '/v1/chat/completions', { token: admin.token, body });
		const took = performance.now() - t0;
		done = true;
		await probe;
		expect(res.status).toBe(400);
		expect(res.body.error).toMatchObject({ code: 'context_length_exceeded', param: 'messages' });
		expect(res.body.error.message).toContain('100000 messages');
		// Bounds far above what this takes (tens of milliseconds) and far below the minutes it took
		// when the whole history was tokenised and fitted at once, so a loaded machine cannot flake it.
		expect(took).toBeLessThan(10_000);
		expect(Math.max(...healthTimes)).toBeLessThan(10_000);
	});

	it('256 kB of one character is refused without blocking', async () => {
		const res = await call(server, 'POST', '/v1/chat/completions', {
			token: admin.token,
			body: { model: MODEL, messages: [{ role: 'user', content: 'a'.repeat(256 * 1024) }] }
		});
		expect(res.status).toBe(400);
		expect(res.body.error.code).toBe('context_length_exceeded');
	});
});
