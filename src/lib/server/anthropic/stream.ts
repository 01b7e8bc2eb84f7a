import type { Send, ToolCallDelta } from '../inference';
import { toolUseId, usageOf, type StopReason, type TokenCounts } from './translate';

type BlockKind = 'thinking' | 'text' | 'tool_use';

/**
 * Anthropic's streaming events for one message, in their order: `message_start`, `ping`, then for
 * each content block `content_block_start`, its deltas and `content_block_stop`, then
 * `message_delta` (stop reason, usage) and `message_stop`.
 */
export class MessageEvents {
	#send: Send;
	#index = -1;
	#open: BlockKind | null = null;

	constructor(send: Send) {
		this.#send = send;
	}

	#event(type: string, data: object) {
		this.#send({ type, ...data }, type);
	}

	start(message: { id: string; model: string }) {
		this.#event('message_start', {
			message: { ...message, type: 'message', role: 'assistant', content: [], stop_reason: null, stop_sequence: null, usage: usageOf({ promptTokens: 0, cachedTokens: 0, completionTokens: 0 }) }
		});
		this.#event('ping', {});
	}

	#block(kind: 'thinking' | 'text') {
		if (this.#open === kind) return;
		this.#close();
		this.#open = kind;
		this.#index += 1;
		const block = kind === 'thinking' ? { type: 'thinking', thinking: '', signature: '' } : { type: 'text', text: '' };
		this.#event('content_block_start', { index: this.#index, content_block: block });
	}

	#close() {
		if (this.#open === null) return;
		if (this.#open === 'thinking') this.#event('content_block_delta', { index: this.#index, delta: { type: 'signature_delta', signature: '' } });
		this.#event('content_block_stop', { index: this.#index });
		this.#open = null;
	}

	thinking(text: string) {
		this.#block('thinking');
		this.#event('content_block_delta', { index: this.#index, delta: { type: 'thinking_delta', thinking: text } });
	}

	text(text: string) {
		this.#block('text');
		this.#event('content_block_delta', { index: this.#index, delta: { type: 'text_delta', text } });
	}

	/** A tool call as it is generated: its block opens with the name, its input streams as JSON text. */
	toolCall(delta: ToolCallDelta) {
		if (delta.type === 'start') {
			this.#close();
			this.#open = 'tool_use';
			this.#index += 1;
			const block = { type: 'tool_use', id: toolUseId(delta.id), name: delta.name, input: {} };
			this.#event('content_block_start', { index: this.#index, content_block: block });
		} else if (this.#open === 'tool_use' && delta.text) {
			this.#event('content_block_delta', { index: this.#index, delta: { type: 'input_json_delta', partial_json: delta.text } });
		}
	}

	end(stopReason: StopReason, stopSequence: string | null, usage: TokenCounts) {
		// A message always has a block: an answer of nothing is one empty text block.
		if (this.#index < 0) this.#block('text');
		this.#close();
		this.#event('message_delta', {
			delta: { stop_reason: stopReason, stop_sequence: stopSequence },
			usage: usageOf(usage)
		});
		this.#event('message_stop', {});
	}
}
