/**
 * A chat request run on a remote backend of either kind, reported like a local generation: text,
 * thoughts and tool calls as they stream in, then a `ChatResult`. It lets an endpoint whose shapes the
 * backend does not speak (the Responses API) render a remote answer with its own event builders.
 * The backend is always asked to stream, so callbacks fire as tokens arrive.
 */
import type { ChatCallbacks, ChatResult } from '../inference/chat';
import type { ChatCompletionRequest, OpenAiToolCall } from '../inference/openai';
import type { V1Context } from '../inference/v1';
import { BackendError, readJsonBody } from './client';
import { isEventStream, openUpstream } from './passthrough';
import { AnthropicToChat, chatToMessages, messageToChat } from './shapes';
import type { BackendEntry } from './store';
import { readEvents } from './translate';
import { meterUsage } from './usage';

type Json = Record<string, any>;
type Callbacks = Omit<ChatCallbacks, 'signal'>;

/** Accumulates OpenAI chat chunk deltas into a result, firing the callbacks. */
class Collector {
	text = '';
	reasoning = '';
	finish: string | null = null;
	calls: OpenAiToolCall[] = [];
	#byIndex = new Map<number, OpenAiToolCall>();

	constructor(
		readonly ctx: V1Context,
		readonly callbacks: Callbacks
	) {}

	delta(delta: Json) {
		if (delta.content) {
			this.ctx.firstToken();
			this.text += delta.content;
			this.callbacks.onText?.(delta.content);
		}
		if (delta.reasoning_content) {
			this.ctx.firstToken();
			this.reasoning += delta.reasoning_content;
			this.callbacks.onReasoning?.(delta.reasoning_content);
		}
		for (const call of (delta.tool_calls ?? []) as Json[]) {
			this.ctx.firstToken();
			const index = Number(call.index ?? 0);
			let known = this.#byIndex.get(index);
			if (!known) {
				known = { id: String(call.id ?? `call_${index}`), type: 'function', function: { name: String(call.function?.name ?? ''), arguments: '' } };
				this.#byIndex.set(index, known);
				this.calls.push(known);
				this.callbacks.onToolCall?.({ type: 'start', index, id: known.id, name: known.function.name });
			}
			const args = call.function?.arguments;
			if (typeof args === 'string' && args) {
				known.function.arguments += args;
				this.callbacks.onToolCall?.({ type: 'arguments', index, text: args });
			}
		}
	}

	result(): ChatResult {
		const m = this.ctx.meter;
		const finishReason = this.finish === 'length' ? 'length' : this.finish === 'tool_calls' || this.calls.length > 0 ? 'tool_calls' : 'stop';
		return { text: this.text, reasoning: this.reasoning, finishReason, stopSequence: null, toolCalls: this.calls, promptTokens: m.promptTokens, cachedTokens: m.cachedTokens, completionTokens: m.completionTokens };
	}
}

const failed = (backend: BackendEntry, err: unknown) =>
	err instanceof BackendError ? err : new BackendError(backend.row.name, 'http_error', err instanceof Error ? err.message : String(err), 502);

/** Runs `req` (an OpenAI chat request) on the backend as `model`. */
export async function runRemoteChat(ctx: V1Context, backend: BackendEntry, req: ChatCompletionRequest, model: string, callbacks: Callbacks = {}): Promise<ChatResult> {
	const anthropic = backend.row.kind === 'anthropic';
	const body = anthropic
		? chatToMessages({ ...req, stream: true }, model)
		: { ...req, model, stream: true, stream_options: { include_usage: true } };
	const { res, release } = await openUpstream(ctx, backend, anthropic ? '/messages' : '/chat/completions', body);
	const collect = new Collector(ctx, callbacks);
	try {
		if (!isEventStream(res)) {
			// A backend that answered without streaming: one whole answer.
			const data = await readJsonBody(backend, res);
			meterUsage(ctx.meter, data);
			const chat = anthropic ? messageToChat(data, '', model) : data;
			const choice = chat?.choices?.[0] ?? {};
			collect.delta({ content: choice.message?.content, reasoning_content: choice.message?.reasoning_content, tool_calls: (choice.message?.tool_calls ?? []).map((c: Json, index: number) => ({ ...c, index })) });
			collect.finish = choice.finish_reason ?? null;
			return collect.result();
		}
		const translate = anthropic ? new AnthropicToChat() : null;
		await readEvents(backend, res, (type, data) => {
			meterUsage(ctx.meter, data);
			if (translate) {
				let deltas: Json[];
				try {
					deltas = translate.deltas(type, data);
				} catch (err) {
					throw failed(backend, err);
				}
				for (const d of deltas) collect.delta(d);
				collect.finish = translate.finish ?? collect.finish;
				return;
			}
			if (data?.error) throw failed(backend, new Error(String(data.error.message ?? 'the backend reported an error')));
			const choice = data?.choices?.[0];
			if (choice?.delta) collect.delta(choice.delta);
			collect.finish = choice?.finish_reason ?? collect.finish;
		});
		return collect.result();
	} finally {
		release();
	}
}
