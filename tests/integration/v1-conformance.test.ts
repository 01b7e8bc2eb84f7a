import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { v1SchemaErrors, type V1Schema } from '../helpers/openai-v1-schema';
import { call, signUp, startServer, tempDir, until, type SignedIn, type TestServer } from '../helpers/server';

const MODEL = 'test/tiny/tiny.gguf';
let server: TestServer;
let admin: SignedIn;
let client: OpenAI;

beforeAll(async () => {
	const dataDir = tempDir();
	writeTinyLlama(path.join(dataDir, 'models', MODEL), {});
	server = await startServer({ dataDir, env: { LLM_MANAGER_CORS_ORIGINS: 'http://localhost:*,https://app.example.com' } });
	admin = await signUp(server, 'admin@example.com');
	client = new OpenAI({ apiKey: admin.token, baseURL: `${server.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
	await server?.stop();
});

function expectConforms(name: V1Schema, value: unknown) {
	expect(v1SchemaErrors(name, value)).toEqual([]);
}

/** The `data:` events of an SSE body, `[DONE]` excluded. */
async function events(res: Response): Promise<any[]> {
	const text = await res.text();
	return text
		.split('\n\n')
		.map((block) => block.replace(/^data: /, '').trim())
		.filter((data) => data && data !== '[DONE]')
		.map((data) => JSON.parse(data));
}

const post = (p: string, body: unknown, headers: Record<string, string> = {}) =>
	fetch(server.url + p, {
		method: 'POST',
		headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json', ...headers },
		body: JSON.stringify(body)
	});

const tools = [
	{
		type: 'function',
		function: { name: 'pick', parameters: { type: 'object', properties: { n: { type: 'integer', enum: [1, 2, 3] } }, required: ['n'], additionalProperties: false } }
	}
];

describe("responses validate against OpenAI's OpenAPI schemas", () => {
	it('chat completions: plain, with tool calls, with n choices', async () => {
		const plain = await (await post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 })).json();
		expectConforms('CreateChatCompletionResponse', plain);
		expect(typeof plain.system_fingerprint).toBe('string');
		const called = await (await post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'pick' }], tools, tool_choice: 'required', max_tokens: 300 })).json();
		expectConforms('CreateChatCompletionResponse', called);
		expect(called.choices[0].message.tool_calls.length).toBeGreaterThan(0);
		const many = await (await post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, n: 3 })).json();
		expectConforms('CreateChatCompletionResponse', many);
		expect(many.choices.map((c: any) => c.index)).toEqual([0, 1, 2]);
		expect(many.usage.completion_tokens).toBe(12);
	});

	it('every chat chunk kind: role, content, tool-call deltas, finish, usage (null until the last)', async () => {
		for (const extra of [{}, { tools, tool_choice: 'required', max_tokens: 300 }, { n: 2 }]) {
			const res = await post('/v1/chat/completions', {
				model: MODEL,
				messages: [{ role: 'user', content: 'hi' }],
				max_tokens: 4,
				stream: true,
				stream_options: { include_usage: true },
				...extra
			});
			expect(res.headers.get('x-request-id')).toBeTruthy();
			const chunks = await events(res);
			for (const chunk of chunks) expectConforms('CreateChatCompletionStreamResponse', chunk);
			expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
			expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: expect.any(Number) } });
			expect(chunks.every((c) => typeof c.system_fingerprint === 'string')).toBe(true);
		}
	});

	it('completions (text and token prompts, n, streamed) and embeddings', async () => {
		const text = await (await post('/v1/completions', { model: MODEL, prompt: 'Once', max_tokens: 3, n: 2 })).json();
		expectConforms('CreateCompletionResponse', text);
		expect(text.choices).toHaveLength(2);
		const tokens = await (await post('/v1/completions', { model: MODEL, prompt: [[1, 100, 101], [1, 102]], max_tokens: 3 })).json();
		expectConforms('CreateCompletionResponse', tokens);
		expect(tokens.choices).toHaveLength(2);
		const chunks = await events(await post('/v1/completions', { model: MODEL, prompt: 'Once', max_tokens: 3, stream: true, stream_options: { include_usage: true } }));
		// OpenAI's schema is the whole response; its stream sends `finish_reason: null` until a choice ends.
		for (const chunk of chunks.slice(0, -1)) {
			expect(chunk).not.toHaveProperty('usage');
			expectConforms('CreateCompletionResponse', { ...chunk, choices: chunk.choices.map((c: any) => ({ ...c, finish_reason: c.finish_reason ?? 'stop' })) });
		}
		expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 3 } });
		const embedded = await (await post('/v1/embeddings', { model: MODEL, input: [[1, 100, 101], [1, 102]] })).json();
		expectConforms('CreateEmbeddingResponse', embedded);
		const models = await (await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${admin.token}` } })).json();
		expectConforms('ListModelsResponse', models);
	});

	it('errors of every status are the JSON envelope with OpenAI codes, a 405 too', async () => {
		const cases: [Promise<Response>, number, string | null][] = [
			[post('/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }] }), 400, 'missing_required_parameter'],
			[post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'x' }], temperature: 9 }), 400, 'invalid_value'],
			[post('/v1/chat/completions', { model: 'no/such/model.gguf', messages: [{ role: 'user', content: 'x' }] }), 404, 'model_not_found'],
			[fetch(`${server.url}/v1/chat/completions`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }), 401, 'missing_api_key'],
			[post('/v1/chat/completions', {}, { authorization: 'Bearer nope' }), 401, 'invalid_api_key'],
			[fetch(`${server.url}/v1/chat/completions`, { headers: { authorization: `Bearer ${admin.token}` } }), 405, 'method_not_allowed'],
			[post('/v1/no-such-route', {}), 404, 'unknown_url']
		];
		for (const [pending, status, code] of cases) {
			const res = await pending;
			expect(res.status).toBe(status);
			expect(res.headers.get('content-type')).toContain('application/json');
			expect(res.headers.get('x-request-id')).toMatch(/^[\w.:-]{1,128}$/);
			const body = await res.json();
			expectConforms('ErrorResponse', body);
			expect(body.error.code).toBe(code);
			expect(body.error.code).not.toBe(body.error.type);
		}
	});
});

describe('parameters are applied or refused, never ignored', () => {
	const refuse = async (p: string, body: object, param: string, text: RegExp) => {
		const res = await post(p, { model: MODEL, max_tokens: 2, ...body });
		expect(res.status).toBe(400);
		const { error } = await res.json();
		expect(error.param).toBe(param);
		expect(error.message).toMatch(text);
	};

	it('logprobs, top_logprobs, a suffix without FIM tokens and image parts get a 400 naming what', async () => {
		const messages = [{ role: 'user', content: 'hi' }];
		await refuse('/v1/chat/completions', { messages, logprobs: true }, 'logprobs', /logprobs/);
		await refuse('/v1/chat/completions', { messages, logprobs: true, top_logprobs: 2 }, 'logprobs', /logprobs/);
		await refuse('/v1/completions', { prompt: 'x', logprobs: 2 }, 'logprobs', /logprobs/);
		await refuse('/v1/completions', { prompt: 'def f(', suffix: '\n  return x' }, 'suffix', /fill-in-the-middle/);
		const image = [{ role: 'user', content: [{ type: 'text', text: 'what is it?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }];
		await refuse('/v1/chat/completions', { messages: image }, 'messages[0].content[1]', /cannot read images/);
		await refuse('/v1/chat/completions', { messages, logit_bias: { '999999': 5 } }, 'logit_bias', /not a token id/);
	});

	it('logit_bias steers the tokens generated', async () => {
		// Token 100 is the byte 0x61 ('a') in the test vocabulary.
		const res = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 6, logit_bias: { '100': 100 } });
		expect(res.choices[0].message.content).toBe('a'.repeat(6));
	});

	it('embeddings are unit vectors; dimensions are cut and re-normalised; too-long input is a 400', async () => {
		const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
		const full = await client.embeddings.create({ model: MODEL, input: ['hello', 'a longer text'] });
		for (const d of full.data) expect(norm(d.embedding)).toBeCloseTo(1, 5);
		const cut = await client.embeddings.create({ model: MODEL, input: 'hello', dimensions: 8 });
		expect(cut.data[0].embedding).toHaveLength(8);
		expect(norm(cut.data[0].embedding)).toBeCloseTo(1, 5);
		const tokens = await client.embeddings.create({ model: MODEL, input: [1, 100, 101] as never });
		expect(tokens.usage.prompt_tokens).toBe(3);
		await refuse('/v1/embeddings', { input: 'word '.repeat(5000) }, 'input', /maximum context length/);
	});
});

describe('request ids and CORS', () => {
	it("a client's own X-Request-Id is echoed and becomes the audit row's request id; an unsafe one is replaced", async () => {
		const own = 'client-req.42:abc';
		const res = await post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }, { 'x-request-id': own });
		expect(res.status).toBe(200);
		expect(res.headers.get('x-request-id')).toBe(own);
		const rows = await until(
			() => call(server, 'GET', '/api/system/audit-logs?limit=1000', { token: admin.token }),
			(r) => r.body.items.some((row: any) => row.request_id === own)
		);
		expect(rows.body.items.find((row: any) => row.request_id === own)).toMatchObject({ endpoint: '/v1/chat/completions', status: 'success' });
		const unsafe = await post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }, { 'x-request-id': '../../etc/passwd' });
		expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
	});

	it('answers a preflight from an allowed origin and refuses one from another', async () => {
		const preflight = (origin: string) =>
			fetch(`${server.url}/v1/chat/completions`, {
				method: 'OPTIONS',
				headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' }
			});
		for (const origin of ['http://localhost:5173', 'https://app.example.com']) {
			const ok = await preflight(origin);
			expect(ok.status).toBe(204);
			expect(ok.headers.get('access-control-allow-origin')).toBe(origin);
			expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
			expect(ok.headers.get('access-control-allow-headers')).toContain('authorization');
		}
		const refused = await preflight('https://evil.example');
		expect(refused.status).toBe(403);
		expect(refused.headers.get('access-control-allow-origin')).toBeNull();
		// The call itself from an allowed origin carries the CORS headers, x-request-id exposed.
		const res = await post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }, { origin: 'http://localhost:5173' });
		expect(res.status).toBe(200);
		expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
		expect(res.headers.get('access-control-expose-headers')).toContain('x-request-id');
	});

	it('a cross-origin call authenticates by Bearer only, never by the session cookie', async () => {
		const models = (headers: Record<string, string>) => fetch(`${server.url}/v1/models`, { headers });
		expect((await models({ cookie: admin.cookie })).status).toBe(200);
		const byCookie = await models({ cookie: admin.cookie, origin: 'http://localhost:5173', 'sec-fetch-site': 'cross-site' });
		expect(byCookie.status).toBe(401);
		const byBearer = await models({ authorization: `Bearer ${admin.token}`, origin: 'http://localhost:5173', 'sec-fetch-site': 'cross-site' });
		expect(byBearer.status).toBe(200);
	});
});
