/**
 * Streams a chat completion from the app's own OpenAI-compatible endpoint (same origin, so the
 * session cookie authenticates) and hands each text delta to `onDelta`.
 */
import { ApiError } from './api';
import { readSseData } from './sse';

export type ChatRole = 'system' | 'user' | 'assistant';
export type ChatTurn = { role: ChatRole; content: string };
export type ChatUsage = { prompt_tokens: number; completion_tokens: number; total_tokens: number };
export type ChatResult = { finishReason: string | null; usage: ChatUsage | null };

type Chunk = {
	choices?: { delta?: { role?: string; content?: string | null }; finish_reason?: string | null }[];
	usage?: ChatUsage | null;
	error?: { message?: string; code?: string | null };
};

export async function streamChatCompletion(options: {
	model: string;
	messages: ChatTurn[];
	signal: AbortSignal;
	onDelta: (text: string) => void;
	fetch?: typeof fetch;
}): Promise<ChatResult> {
	const doFetch = options.fetch ?? fetch;
	const response = await doFetch('/v1/chat/completions', {
		method: 'POST',
		headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
		body: JSON.stringify({ model: options.model, messages: options.messages, stream: true, stream_options: { include_usage: true } }),
		signal: options.signal
	});
	if (!response.ok || !response.body) {
		const data = await response.json().catch(() => null);
		throw new ApiError(response.status, data?.error?.message ?? data?.detail ?? `Request failed (${response.status})`, data?.error?.code ?? data?.code ?? null);
	}
	const result: ChatResult = { finishReason: null, usage: null };
	for await (const data of readSseData(response.body)) {
		if (data === '[DONE]') break;
		let chunk: Chunk;
		try {
			chunk = JSON.parse(data);
		} catch {
			continue; // not ours to interpret
		}
		if (chunk.error) throw new ApiError(500, chunk.error.message ?? 'Generation failed', chunk.error.code ?? null);
		if (chunk.usage) result.usage = chunk.usage;
		for (const choice of chunk.choices ?? []) {
			if (choice.delta?.content) options.onDelta(choice.delta.content);
			if (choice.finish_reason) result.finishReason = choice.finish_reason;
		}
	}
	return result;
}
