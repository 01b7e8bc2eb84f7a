import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { streamChatCompletion } from './chat';

function sseResponse(events: string[]): Response {
	const body = events.map((e) => `data: ${e}\n\n`).join('');
	return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

const chunk = (delta: object, finish: string | null = null) => JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });

describe('streamChatCompletion', () => {
	it('posts a streamed request and hands over each delta, the finish reason and usage', async () => {
		let sent: { url: string; body: Record<string, unknown> } | null = null;
		const fakeFetch = (async (url: string, init: RequestInit) => {
			sent = { url, body: JSON.parse(String(init.body)) };
			return sseResponse([
				chunk({ role: 'assistant', content: '' }),
				chunk({ content: 'Hel' }),
				chunk({ content: 'lo' }),
				chunk({}, 'length'),
				JSON.stringify({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }),
				'[DONE]'
			]);
		}) as typeof fetch;
		const deltas: string[] = [];
		const result = await streamChatCompletion({
			model: 'coder',
			messages: [{ role: 'user', content: 'hi' }],
			signal: new AbortController().signal,
			onDelta: (d) => deltas.push(d),
			fetch: fakeFetch
		});
		expect(sent!.url).toBe('/v1/chat/completions');
		expect(sent!.body).toMatchObject({ model: 'coder', stream: true, stream_options: { include_usage: true } });
		expect(deltas.join('')).toBe('Hello');
		expect(result).toEqual({ finishReason: 'length', usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } });
	});

	it('turns an OpenAI error envelope into an ApiError with its status and message', async () => {
		const fakeFetch = (async () =>
			new Response(JSON.stringify({ error: { message: 'Not enough memory to load the model', type: 'server_error', code: 'insufficient_memory' } }), {
				status: 503
			})) as unknown as typeof fetch;
		const err = await streamChatCompletion({ model: 'x', messages: [], signal: new AbortController().signal, onDelta: () => {}, fetch: fakeFetch }).catch((e) => e);
		expect(err).toBeInstanceOf(ApiError);
		expect(err).toMatchObject({ status: 503, code: 'insufficient_memory', message: 'Not enough memory to load the model' });
	});

	it('reports an error event sent in the middle of a stream', async () => {
		const fakeFetch = (async () => sseResponse([chunk({ content: 'a' }), JSON.stringify({ error: { message: 'generation failed' } })])) as unknown as typeof fetch;
		const deltas: string[] = [];
		const err = await streamChatCompletion({ model: 'x', messages: [], signal: new AbortController().signal, onDelta: (d) => deltas.push(d), fetch: fakeFetch }).catch((e) => e);
		expect(deltas).toEqual(['a']);
		expect(err).toMatchObject({ message: 'generation failed' });
	});
});
