import type { Send, ToolCallDelta } from '../inference';
import { functionCallItem, itemId, messageItem, outputText, reasoningItem, responseObject, type OutputItem, type ResponseBase, type usageOf } from './objects';

type Open =
	| { kind: 'reasoning' | 'message'; id: string; index: number; text: string }
	| { kind: 'function_call'; id: string; index: number; text: string; callId: string; name: string };

/**
 * The Responses API's streaming events for one response, each with its `sequence_number`:
 * `response.created`, `response.in_progress`, then per output item `response.output_item.added`,
 * its content part and deltas and their `.done` events, `response.output_item.done`, and finally
 * `response.completed` (or `response.incomplete`), or `error`.
 */
export class ResponseEvents {
	#send: Send;
	#base: ResponseBase;
	#seq = 0;
	#output: OutputItem[] = [];
	#open: Open | null = null;

	constructor(send: Send, base: ResponseBase) {
		this.#send = send;
		this.#base = base;
	}

	event(type: string, data: object) {
		this.#send({ type, ...data, sequence_number: this.#seq++ }, type);
	}

	start() {
		const response = responseObject(this.#base, 'in_progress', []);
		this.event('response.created', { response });
		this.event('response.in_progress', { response });
	}

	#item(kind: 'reasoning' | 'message'): Open {
		if (this.#open?.kind === kind) return this.#open;
		this.#close();
		const open: Open = { kind, id: itemId(kind === 'reasoning' ? 'rs' : 'msg'), index: this.#output.length, text: '' };
		this.#open = open;
		this.#output.push(this.#itemOf(open, null, 'in_progress'));
		this.event('response.output_item.added', { output_index: open.index, item: this.#itemOf(open, null, 'in_progress') });
		const part = kind === 'reasoning' ? { type: 'reasoning_text', text: '' } : outputText('');
		this.event('response.content_part.added', { item_id: open.id, output_index: open.index, content_index: 0, part });
		return open;
	}

	#itemOf(open: Open, text: string | null, status: 'in_progress' | 'completed' | 'incomplete') {
		if (open.kind === 'function_call') {
			return functionCallItem(open.id, { id: open.callId, type: 'function', function: { name: open.name, arguments: text ?? '' } }, status);
		}
		return open.kind === 'reasoning' ? reasoningItem(open.id, text, status) : messageItem(open.id, text, status);
	}

	#close(status: 'completed' | 'incomplete' = 'completed') {
		const open = this.#open;
		if (!open) return;
		this.#open = null;
		const where = { item_id: open.id, output_index: open.index, content_index: 0 };
		if (open.kind === 'function_call') {
			this.event('response.function_call_arguments.done', { item_id: open.id, output_index: open.index, name: open.name, arguments: open.text });
		} else if (open.kind === 'reasoning') {
			this.event('response.reasoning_text.done', { ...where, text: open.text });
			this.event('response.content_part.done', { ...where, part: { type: 'reasoning_text', text: open.text } });
		} else {
			this.event('response.output_text.done', { ...where, text: open.text, logprobs: [] });
			this.event('response.content_part.done', { ...where, part: outputText(open.text) });
		}
		const item = this.#itemOf(open, open.text, open.kind === 'message' ? status : 'completed');
		this.#output[open.index] = item;
		this.event('response.output_item.done', { output_index: open.index, item });
	}

	reasoning(delta: string) {
		const open = this.#item('reasoning');
		open.text += delta;
		this.event('response.reasoning_text.delta', { item_id: open.id, output_index: open.index, content_index: 0, delta });
	}

	text(delta: string) {
		const open = this.#item('message');
		open.text += delta;
		this.event('response.output_text.delta', { item_id: open.id, output_index: open.index, content_index: 0, delta, logprobs: [] });
	}

	/** A function call as it is generated: its item opens with the name, its arguments stream as JSON text. */
	toolCall(delta: ToolCallDelta) {
		if (delta.type === 'start') {
			this.#close();
			const open: Open = { kind: 'function_call', id: itemId('fc'), index: this.#output.length, text: '', callId: delta.id, name: delta.name };
			this.#open = open;
			const item = this.#itemOf(open, '', 'in_progress');
			this.#output.push(item);
			this.event('response.output_item.added', { output_index: open.index, item });
		} else if (this.#open?.kind === 'function_call' && delta.text) {
			this.#open.text += delta.text;
			this.event('response.function_call_arguments.delta', { item_id: this.#open.id, output_index: this.#open.index, delta: delta.text });
		}
	}

	end(incomplete: boolean, usage: ReturnType<typeof usageOf>) {
		if (this.#output.length === 0) this.#item('message');
		this.#close(incomplete ? 'incomplete' : 'completed');
		const status = incomplete ? 'incomplete' : 'completed';
		this.event(`response.${status}`, { response: responseObject(this.#base, status, this.#output, usage) });
	}
}
