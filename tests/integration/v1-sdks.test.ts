import path from 'node:path';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { ChatOpenAI } from '@langchain/openai';
import { embedMany, generateText, jsonSchema, streamText, tool } from 'ai';
import { Ajv } from 'ajv';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { signUp, startServer, tempDir, type TestServer } from '../helpers/server';

/** The clients people point at a local server, each against the built server and a real model. */

const MODEL = 'test/tiny/tiny.gguf';
const SMALL = 'test/tiny/small.gguf';
let server: TestServer;
let key: string;
let baseURL: string;

const weather = {
	type: 'object',
	properties: { city: { type: 'string', maxLength: 8 }, unit: { type: 'string', enum: ['c', 'f'] } },
	required: ['city', 'unit'],
	additionalProperties: false
} as const;
const validWeather = new Ajv({ strict: false }).compile(weather);
const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

beforeAll(async () => {
	const dataDir = tempDir();
	writeTinyLlama(path.join(dataDir, 'models', MODEL), {});
	writeTinyLlama(path.join(dataDir, 'models', SMALL), { contextLength: 256 });
	server = await startServer({ dataDir });
	key = (await signUp(server, 'admin@example.com')).token;
	baseURL = `${server.url}/v1`;
});

afterAll(async () => {
	await server?.stop();
});

describe('official openai SDK', () => {
	it('n choices, context overflow as a BadRequestError, unit embeddings', async () => {
		const client = new OpenAI({ apiKey: key, baseURL, maxRetries: 0 });
		const res = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 3, n: 2 });
		expect(res.choices.map((c) => c.index)).toEqual([0, 1]);
		const overflow = client.chat.completions.create({ model: SMALL, messages: [{ role: 'user', content: 'word '.repeat(600) }] });
		await expect(overflow).rejects.toBeInstanceOf(OpenAI.BadRequestError);
		await expect(overflow).rejects.toMatchObject({ status: 400, code: 'context_length_exceeded', param: 'messages' });
		const emb = await client.embeddings.create({ model: MODEL, input: ['one', 'two'] });
		for (const d of emb.data) expect(norm(d.embedding)).toBeCloseTo(1, 5);
	});
});

describe('Vercel AI SDK', () => {
	const compatible = () => createOpenAICompatible({ name: 'llm-manager', baseURL, apiKey: key });
	const tools = { get_weather: tool({ description: 'Weather of a city', inputSchema: jsonSchema(weather) }) };

	it('@ai-sdk/openai-compatible: toolChoice "required" gets a valid call', async () => {
		const r = await generateText({ model: compatible().chatModel(MODEL), prompt: 'Weather in Paris?', tools, toolChoice: 'required', maxOutputTokens: 400, maxRetries: 0 });
		expect(r.toolCalls.length).toBeGreaterThan(0);
		for (const call of r.toolCalls) {
			expect(call.toolName).toBe('get_weather');
			expect(validWeather(call.input)).toBe(true);
		}
	});

	it('@ai-sdk/openai-compatible: streamed tool-call deltas assemble into the call', async () => {
		const s = streamText({
			model: compatible().chatModel(MODEL),
			prompt: 'Weather?',
			tools,
			toolChoice: { type: 'tool', toolName: 'get_weather' },
			maxOutputTokens: 400,
			maxRetries: 0
		});
		const deltas: string[] = [];
		const calls: { toolName: string; input: unknown }[] = [];
		for await (const part of s.fullStream) {
			if (part.type === 'tool-input-delta') deltas.push(part.delta);
			if (part.type === 'tool-call') calls.push(part);
			if (part.type === 'error') throw part.error;
		}
		expect(deltas.length).toBeGreaterThan(1);
		expect(calls).toHaveLength(1);
		expect(JSON.parse(deltas.join(''))).toEqual(calls[0].input);
		expect(validWeather(calls[0].input)).toBe(true);
	});

	it('@ai-sdk/openai .chat: a named tool is called; context overflow is an API error; embeddings are unit length', async () => {
		const openai = createOpenAI({ baseURL, apiKey: key });
		const r = await generateText({
			model: openai.chat(MODEL),
			prompt: 'Weather?',
			tools,
			toolChoice: { type: 'tool', toolName: 'get_weather' },
			maxOutputTokens: 400,
			maxRetries: 0
		});
		expect(r.toolCalls).toHaveLength(1);
		expect(validWeather(r.toolCalls[0].input)).toBe(true);
		await expect(generateText({ model: openai.chat(SMALL), prompt: 'word '.repeat(600), maxRetries: 0 })).rejects.toMatchObject({
			statusCode: 400
		});
		const { embeddings } = await embedMany({ model: compatible().embeddingModel(MODEL), values: ['a', 'b c'], maxRetries: 0 });
		for (const v of embeddings) expect(norm(v)).toBeCloseTo(1, 5);
	});
});

describe('LangChain ChatOpenAI', () => {
	const chat = () => new ChatOpenAI({ model: MODEL, apiKey: key, configuration: { baseURL }, maxTokens: 400, maxRetries: 0 });
	const weatherTool = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather of a city', parameters: weather } };

	it('bindTools with tool_choice "any" always calls the tool', async () => {
		const msg = await chat().bindTools([weatherTool], { tool_choice: 'any' }).invoke('Weather in Paris?');
		expect(msg.tool_calls?.length).toBeGreaterThan(0);
		for (const call of msg.tool_calls!) {
			expect(call.name).toBe('get_weather');
			expect(validWeather(call.args)).toBe(true);
		}
	});

	it('streams tool-call chunks that merge into a valid call', async () => {
		const stream = await chat().bindTools([weatherTool], { tool_choice: 'get_weather' }).stream('Weather?');
		let merged: any = null;
		let pieces = 0;
		for await (const chunk of stream) {
			if (chunk.tool_call_chunks?.length) pieces++;
			merged = merged ? merged.concat(chunk) : chunk;
		}
		expect(pieces).toBeGreaterThan(1);
		expect(merged.tool_calls).toHaveLength(1);
		expect(validWeather(merged.tool_calls[0].args)).toBe(true);
	});

	it.each(['functionCalling', 'jsonSchema', 'jsonMode'] as const)('withStructuredOutput, method %s', async (method) => {
		const person = {
			type: 'object',
			properties: { name: { type: 'string', maxLength: 10 }, age: { type: 'integer', enum: [30, 40] } },
			required: ['name', 'age'],
			additionalProperties: false
		};
		const structured = chat().withStructuredOutput(person, { name: 'person', method });
		const value = (await structured.invoke('A person as JSON')) as Record<string, unknown>;
		expect(value).toBeTypeOf('object');
		if (method !== 'jsonMode') {
			// json_object mode promises JSON, not this schema; the other two follow it.
			expect(new Ajv({ strict: false }).validate(person, value)).toBe(true);
		}
	});
});
