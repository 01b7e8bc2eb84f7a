/**
 * One chat conversation in the browser: the message list, the model it talks to, the streaming
 * answer and its cancellation. Nothing is stored on the server (the audit log keeps metadata only).
 */
import { ApiError } from '$lib/client/api';
import { streamChatCompletion, type ChatTurn, type ChatUsage } from '$lib/client/chat';

export type ChatMessage = ChatTurn & {
	id: number;
	/** Set on an assistant message once it ended: `stop`, `length`, `cancelled`, `error`. */
	finish?: string;
	usage?: ChatUsage | null;
};

let nextId = 1;

/** Deltas are shown in batches at most this often: a re-render per token would swamp the page. */
const FLUSH_MS = 50;

export class ChatState {
	messages: ChatMessage[] = $state([]);
	model = $state('');
	systemPrompt = $state('');
	streaming = $state(false);
	error = $state('');
	#controller: AbortController | null = null;

	/** Sends `text` as the next user turn and streams the answer into a new assistant message. */
	async send(text: string): Promise<void> {
		const content = text.trim();
		if (!content || this.streaming || !this.model) return;
		this.error = '';
		this.messages.push({ id: nextId++, role: 'user', content });
		const history: ChatTurn[] = this.messages.filter((m) => m.finish !== 'error').map(({ role, content }) => ({ role, content }));
		if (this.systemPrompt.trim()) history.unshift({ role: 'system', content: this.systemPrompt.trim() });
		this.messages.push({ id: nextId++, role: 'assistant', content: '' });
		// Mutated through the state proxy, so each flushed batch re-renders.
		const answer = this.messages[this.messages.length - 1];
		const controller = new AbortController();
		this.#controller = controller;
		this.streaming = true;
		let buffered = '';
		let timer: ReturnType<typeof setTimeout> | null = null;
		const flush = () => {
			if (timer) clearTimeout(timer);
			timer = null;
			if (buffered) answer.content += buffered;
			buffered = '';
		};
		try {
			const result = await streamChatCompletion({
				model: this.model,
				messages: history,
				signal: controller.signal,
				onDelta: (delta) => {
					buffered += delta;
					timer ??= setTimeout(flush, FLUSH_MS);
				}
			});
			flush();
			answer.finish = result.finishReason ?? 'stop';
			answer.usage = result.usage;
		} catch (err) {
			flush();
			if (controller.signal.aborted) {
				answer.finish = 'cancelled';
			} else {
				answer.finish = 'error';
				this.error = describeChatError(err);
			}
		} finally {
			this.streaming = false;
			this.#controller = null;
		}
	}

	/** Stops the answer being generated; the server frees the model's sequence when the stream closes. */
	stop(): void {
		this.#controller?.abort();
	}

	clear(): void {
		this.stop();
		this.messages = [];
		this.error = '';
	}
}

export function describeChatError(err: unknown): string {
	if (err instanceof ApiError) {
		if (err.status === 503) return `The model cannot run right now: ${err.message}`;
		if (err.status === 404) return `Model not found: ${err.message}`;
		if (err.status === 401) return 'Your session has ended. Sign in again.';
		return err.message;
	}
	if (err instanceof TypeError) return 'The connection to the server was lost.';
	return err instanceof Error ? err.message : String(err);
}
