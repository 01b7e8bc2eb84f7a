/**
 * `/v1/responses` (stateless) with the official openai SDK and the Vercel AI SDK's default
 * `openai(model)`, every object and streaming event checked against OpenAI's published schemas.
 */
import path from 'node:path';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, jsonSchema, streamText, tool } from 'ai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { eventErrors, schemaErrors } from '../helpers/openai-schema';
import { call, signUp, startServer, tempDir, type SignedIn, type TestServer } from '../helpers/server';

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
		body: { name: 'tiny-agent', model_id: MODEL, context_size: 2048, parallel: 2, max_tokens: 16 }
	});
	expect(profile.status).toBe(201);
});

afterAll(async () => {
	await server?.stop();
});

describe('/v1/responses with the official openai SDK', () => {
	it('answers a plain string input with a response object in OpenAI’s shape', async () => {
		const res = await client.responses.create({ model: 'tiny-agent', input: 'Say hello', instructions: 'Be brief.', max_output_tokens: 6 });
		expect(schemaErrors('Response', res)).toEqual([]);
		expect(res.id).toMatch(/^resp_/);
		expect(res).toMatchObject({ object: 'response', status: 'incomplete', model: 'tiny-agent', instructions: 'Be brief.', store: false });
		expect(res.incomplete_details).toEqual({ reason: 'max_output_tokens' });
		expect(res.output).toHaveLength(1);
		expect(res.output[0]).toMatchObject({ type: 'message', role: 'assistant' });
		expect(res.output_text.length).toBeGreaterThan(0);
		expect(res.usage).toMatchObject({ output_tokens: 6 });
		expect(res.usage!.input_tokens).toBeGreaterThan(0);
		expect(res.usage!.total_tokens).toBe(res.usage!.input_tokens + 6);
	});

	it('streams every event in order, each valid against its schema', async () => {
		const stream = await client.responses.create({
			model: MODEL,
			input: [{ role: 'user', content: [{ type: 'input_text', text: 'Count' }] }],
			max_output_tokens: 5,
			stream: true
		});
		const events: any[] = [];
		for await (const event of stream) events.push(event);
		for (const event of events) expect(eventErrors(event), event.type).toEqual([]);
		const types = events.map((e) => e.type);
		expect(types.slice(0, 4)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
		expect(types.slice(-4)).toEqual(['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.incomplete']);
		expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
		const deltas = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
		const done = events.find((e) => e.type === 'response.output_text.done');
		expect(deltas.length).toBeGreaterThan(0);
		expect(done.text).toBe(deltas);
		const final = events.at(-1).response;
		expect(final.output[0].content[0].text).toBe(deltas);
		expect(final.usage.output_tokens).toBe(5);
	});

	const tools: OpenAI.Responses.Tool[] = [
		{
			type: 'function',
			name: 'get_weather',
			description: 'Weather of a city',
			parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 8 } }, required: ['city'], additionalProperties: false },
			strict: true
		}
	];

	it('takes a function-call round trip: a forced function_call, then its function_call_output in the input', async () => {
		const first = await client.responses.create({
			model: MODEL,
			input: 'Weather in Paris?',
			tools,
			tool_choice: 'required',
			parallel_tool_calls: false,
			max_output_tokens: 400
		});
		expect(schemaErrors('Response', first)).toEqual([]);
		expect(first.status).toBe('completed');
		expect(first.output.map((item) => item.type)).toEqual(['function_call']);
		const call = first.output[0] as OpenAI.Responses.ResponseFunctionToolCall;
		expect(call.name).toBe('get_weather');
		expect(typeof JSON.parse(call.arguments).city).toBe('string');
		const second = await client.responses.create({
			model: MODEL,
			tools,
			max_output_tokens: 6,
			input: [
				{ role: 'user', content: 'Weather in Paris?' },
				{ type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
				{ type: 'function_call_output', call_id: call.call_id, output: '{"temp_c": 21}' }
			]
		});
		expect(schemaErrors('Response', second)).toEqual([]);
		expect(second.tools).toMatchObject([{ type: 'function', name: 'get_weather' }]);
		expect(second.output.at(-1)!.type).toMatch(/^(message|function_call)$/);
		const orphan = await client.responses
			.create({ model: MODEL, input: [{ type: 'function_call_output', call_id: 'nope', output: 'x' }] })
			.catch((e) => e);
		expect(orphan.status).toBe(400);
	});

	it('streams a named function call as function_call_arguments deltas, every event valid', async () => {
		const stream = await client.responses.create({
			model: MODEL,
			input: 'Weather in Paris?',
			tools,
			tool_choice: { type: 'function', name: 'get_weather' },
			max_output_tokens: 400,
			stream: true
		});
		const events: any[] = [];
		for await (const event of stream) events.push(event);
		for (const event of events) expect(eventErrors(event), event.type).toEqual([]);
		const types = events.map((e) => e.type);
		expect(types[2]).toBe('response.output_item.added');
		expect(types.slice(-3)).toEqual(['response.function_call_arguments.done', 'response.output_item.done', 'response.completed']);
		const args = events.filter((e) => e.type === 'response.function_call_arguments.delta').map((e) => e.delta).join('');
		expect(events.find((e) => e.type === 'response.function_call_arguments.done').arguments).toBe(args);
		expect(Object.keys(JSON.parse(args))).toEqual(['city']);
		const final = events.at(-1).response;
		expect(final.output).toMatchObject([{ type: 'function_call', name: 'get_weather', arguments: args, status: 'completed' }]);
	});

	it('follows text.format json_schema', async () => {
		const schema = {
			type: 'object',
			properties: { name: { type: 'string', maxLength: 10 }, age: { type: 'integer' } },
			required: ['name', 'age'],
			additionalProperties: false
		};
		const res = await client.responses.create({
			model: MODEL,
			input: 'A person as JSON',
			max_output_tokens: 120,
			text: { format: { type: 'json_schema', name: 'person', schema, strict: true } }
		});
		expect(schemaErrors('Response', res)).toEqual([]);
		expect(res.text?.format).toMatchObject({ type: 'json_schema', name: 'person' });
		const value = JSON.parse(res.output_text);
		expect(Object.keys(value).sort()).toEqual(['age', 'name']);
		expect(Number.isInteger(value.age)).toBe(true);
	});

	it('refuses what a stateless server cannot do, and bad bodies, with 400 envelopes', async () => {
		const previous = await client.responses.create({ model: MODEL, input: 'x', previous_response_id: 'resp_123' }).catch((e) => e);
		expect(previous.status).toBe(400);
		expect(previous.error.message).toMatch(/previous_response_id/);
		const builtIn = await call(server, 'POST', '/v1/responses', { token: admin.token, body: { model: MODEL, input: 'x', tools: [{ type: 'web_search' }] } });
		expect(builtIn.status).toBe(400);
		expect(builtIn.body.error.type).toBe('invalid_request_error');
		const noInput = await call(server, 'POST', '/v1/responses', { token: admin.token, body: { model: MODEL } });
		expect(noInput.status).toBe(400);
		const anonymous = await call(server, 'POST', '/v1/responses', { body: { model: MODEL, input: 'x' } });
		expect(anonymous.status).toBe(401);
		expect(anonymous.body.error.type).toBe('invalid_request_error');
		const missing = await client.responses.create({ model: 'nobody/none/none.gguf', input: 'x' }).catch((e) => e);
		expect(missing.status).toBe(404);
		expect(missing.code).toBe('model_not_found');
	});
});

describe("the Vercel AI SDK's default openai(model), which speaks Responses", () => {
	it('generates and streams text', async () => {
		const openai = createOpenAI({ baseURL: `${server.url}/v1`, apiKey: admin.token });
		const plain = await generateText({ model: openai('tiny-agent'), prompt: 'Say hello', maxOutputTokens: 6, maxRetries: 0 });
		expect(plain.text.length).toBeGreaterThan(0);
		expect(plain.usage.outputTokens).toBe(6);
		expect(plain.finishReason).toBe('length');
		const streamed = streamText({ model: openai('tiny-agent'), system: 'Be brief.', prompt: 'Count', maxOutputTokens: 5, maxRetries: 0 });
		let text = '';
		for await (const delta of streamed.textStream) text += delta;
		expect(text.length).toBeGreaterThan(0);
		expect((await streamed.usage).outputTokens).toBe(5);
	});

	it('calls a tool the request forces, with arguments that follow its schema', async () => {
		const openai = createOpenAI({ baseURL: `${server.url}/v1`, apiKey: admin.token });
		const result = await generateText({
			model: openai('tiny-agent'),
			prompt: 'Weather in Paris?',
			maxOutputTokens: 400,
			maxRetries: 0,
			toolChoice: { type: 'tool', toolName: 'get_weather' },
			tools: {
				get_weather: tool({
					description: 'Weather of a city',
					inputSchema: jsonSchema<{ city: string }>({
						type: 'object',
						properties: { city: { type: 'string', maxLength: 8 } },
						required: ['city'],
						additionalProperties: false
					})
				})
			}
		});
		expect(result.finishReason).toBe('tool-calls');
		expect(result.toolCalls).toHaveLength(1);
		expect(result.toolCalls[0].toolName).toBe('get_weather');
		expect(typeof (result.toolCalls[0].input as { city: unknown }).city).toBe('string');
	});
});
