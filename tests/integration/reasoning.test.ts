/**
 * A reasoning model's thoughts, separated by node-llama-cpp's chat wrapper (a generated model with
 * DeepSeek-R1's chat template whose weights make it think `Plan: go` and answer `Hi!`), come back as
 * `reasoning_content`, `thinking` blocks and reasoning items — never in the answer — and the
 * reasoning settings of each API bound how long it thinks.
 */
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REASONING_ANSWER, REASONING_MODEL_OPTIONS, REASONING_THOUGHT, writeTinyLlama } from '../fixtures/gguf.js';
import { eventErrors, schemaErrors } from '../helpers/openai-schema';
import { signUp, startServer, tempDir, type TestServer } from '../helpers/server';

const MODEL = 'test/reasoner/tiny-r1.gguf';
let server: TestServer;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
	const dataDir = tempDir();
	writeTinyLlama(path.join(dataDir, 'models', MODEL), REASONING_MODEL_OPTIONS);
	server = await startServer({ dataDir });
	const admin = await signUp(server, 'admin@example.com');
	openai = new OpenAI({ apiKey: admin.token, baseURL: `${server.url}/v1`, maxRetries: 0 });
	anthropic = new Anthropic({ apiKey: admin.token, baseURL: server.url, maxRetries: 0 });
});

afterAll(async () => {
	await server?.stop();
});

const ask = [{ role: 'user' as const, content: 'Hello' }];

describe('/v1/chat/completions', () => {
	it('returns the thought as reasoning_content and only the answer as content', async () => {
		const res = await openai.chat.completions.create({ model: MODEL, messages: ask, max_tokens: 40 });
		const message = res.choices[0].message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
		expect(message.content).toBe(REASONING_ANSWER);
		expect(message.reasoning_content?.trim()).toBe(REASONING_THOUGHT);
		expect(res.choices[0].finish_reason).toBe('stop');
	});

	it('streams the thought in reasoning_content deltas before the answer', async () => {
		const stream = await openai.chat.completions.create({ model: MODEL, messages: ask, max_tokens: 40, stream: true });
		const order: string[] = [];
		let reasoning = '';
		let content = '';
		for await (const chunk of stream) {
			const delta = chunk.choices[0]?.delta as { content?: string; reasoning_content?: string } | undefined;
			if (delta?.reasoning_content) {
				reasoning += delta.reasoning_content;
				if (order.at(-1) !== 'reasoning') order.push('reasoning');
			}
			if (delta?.content) {
				content += delta.content;
				if (order.at(-1) !== 'content') order.push('content');
			}
		}
		expect(order).toEqual(['reasoning', 'content']);
		expect(reasoning.trim()).toBe(REASONING_THOUGHT);
		expect(content).toBe(REASONING_ANSWER);
	});

	it('maps reasoning_effort to the thought budget: none skips thinking, low cuts it short', async () => {
		const none = await openai.chat.completions.create({ model: MODEL, messages: ask, max_tokens: 40, reasoning_effort: 'none' as never });
		expect(none.choices[0].message.content).toBe(REASONING_ANSWER);
		expect((none.choices[0].message as { reasoning_content?: string }).reasoning_content).toBeUndefined();
		// low = a quarter of max_tokens: 3 of the 9 thought tokens, then the model answers anyway.
		const low = await openai.chat.completions.create({ model: MODEL, messages: ask, max_tokens: 12, reasoning_effort: 'low' });
		const thought = (low.choices[0].message as { reasoning_content?: string }).reasoning_content ?? '';
		expect(thought.length).toBeGreaterThan(0);
		expect(REASONING_THOUGHT.startsWith(thought.trim())).toBe(true);
		expect(thought.trim().length).toBeLessThan(REASONING_THOUGHT.length);
		expect(low.choices[0].message.content).toBe(REASONING_ANSWER);
	});
});

describe('/v1/messages', () => {
	it('returns a thinking block before the text block', async () => {
		const msg = await anthropic.messages.create({ model: MODEL, max_tokens: 40, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: ask });
		expect(msg.content.map((b) => b.type)).toEqual(['thinking', 'text']);
		expect((msg.content[0] as Anthropic.ThinkingBlock).thinking.trim()).toBe(REASONING_THOUGHT);
		expect((msg.content[1] as Anthropic.TextBlock).text).toBe(REASONING_ANSWER);
		expect(msg.stop_reason).toBe('end_turn');
	});

	it('streams thinking_delta events, then text_delta events', async () => {
		const stream = anthropic.messages.stream({ model: MODEL, max_tokens: 40, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: ask });
		const deltas: string[] = [];
		stream.on('streamEvent', (event) => {
			if (event.type === 'content_block_delta' && deltas.at(-1) !== event.delta.type) deltas.push(event.delta.type);
		});
		const final = await stream.finalMessage();
		expect(deltas).toEqual(['thinking_delta', 'signature_delta', 'text_delta']);
		expect((final.content[0] as Anthropic.ThinkingBlock).thinking.trim()).toBe(REASONING_THOUGHT);
		expect((final.content[1] as Anthropic.TextBlock).text).toBe(REASONING_ANSWER);
	});

	it('maps thinking.budget_tokens to the thought budget, and disabled thinking to none', async () => {
		const short = await anthropic.messages.create({ model: MODEL, max_tokens: 40, thinking: { type: 'enabled', budget_tokens: 3 }, messages: ask });
		const thought = (short.content[0] as Anthropic.ThinkingBlock).thinking.trim();
		expect(REASONING_THOUGHT.startsWith(thought)).toBe(true);
		expect(thought.length).toBeLessThan(REASONING_THOUGHT.length);
		const off = await anthropic.messages.create({ model: MODEL, max_tokens: 40, thinking: { type: 'disabled' }, messages: ask });
		expect(off.content).toEqual([{ type: 'text', text: REASONING_ANSWER }]);
	});
});

describe('/v1/responses', () => {
	it('returns a reasoning item, then the answer message', async () => {
		const res = await openai.responses.create({ model: MODEL, input: 'Hello', max_output_tokens: 40 });
		expect(schemaErrors('Response', res)).toEqual([]);
		expect(res.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
		const reasoning = res.output[0] as OpenAI.Responses.ResponseReasoningItem;
		expect(reasoning.content?.[0].text.trim()).toBe(REASONING_THOUGHT);
		expect(res.output_text).toBe(REASONING_ANSWER);
		expect(res.usage!.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
	});

	it('streams reasoning_text deltas, every event valid against its schema; effort none skips thinking', async () => {
		const stream = await openai.responses.create({ model: MODEL, input: 'Hello', max_output_tokens: 40, stream: true });
		const events: any[] = [];
		for await (const event of stream) events.push(event);
		for (const event of events) expect(eventErrors(event), event.type).toEqual([]);
		const reasoning = events.filter((e) => e.type === 'response.reasoning_text.delta').map((e) => e.delta).join('');
		const text = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
		expect(reasoning.trim()).toBe(REASONING_THOUGHT);
		expect(text).toBe(REASONING_ANSWER);
		expect(events.at(-1).type).toBe('response.completed');
		const none = await openai.responses.create({ model: MODEL, input: 'Hello', max_output_tokens: 40, reasoning: { effort: 'none' as never } });
		expect(none.output.map((item) => item.type)).toEqual(['message']);
		expect(none.output_text).toBe(REASONING_ANSWER);
	});
});
