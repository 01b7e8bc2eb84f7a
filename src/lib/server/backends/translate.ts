/**
 * Requests whose backend speaks the other protocol: `/v1/chat/completions` to an Anthropic backend,
 * `/v1/messages` to an OpenAI-compatible one. Streams are translated event by event as they arrive.
 */
import { json } from '@sveltejs/kit';
import { createParser } from 'eventsource-parser';
import { anthropicErrorBody } from '../anthropic/errors';
import { MessagesRequest } from '../anthropic/schemas';
import { MessageEvents } from '../anthropic/stream';
import { contentOf, toChatRequest, usageOf, type StopReason } from '../anthropic/translate';
import { validate } from '../http/parse';
import { OPENAI_STREAM, eventStream, type Send } from '../inference/sse';
import { describeError, type V1Context } from '../inference/v1';
import { BackendError, readJsonBody, type UpstreamResponse } from './client';
import { isEventStream, openUpstream, serializeEvent } from './passthrough';
import { AnthropicToChat, chatToMessages, chatUsageOf, messageToChat } from './shapes';
import type { BackendEntry } from './store';
import { meterUsage } from './usage';

type Json = Record<string, any>;

export const openAiStreamError = (err: unknown) => {
	let data = '';
	OPENAI_STREAM.error((d) => (data = JSON.stringify(d)), err);
	return serializeEvent({ data });
};

export const anthropicStreamError = (err: unknown) => {
	const d = describeError(err);
	return serializeEvent({ event: 'error', data: JSON.stringify(anthropicErrorBody(d.status, d.message)) });
};

/** Reads an upstream event stream, handing each event's parsed data to `onEvent`. */
export async function readEvents(backend: BackendEntry, res: UpstreamResponse, onEvent: (type: string, data: Json) => void): Promise<void> {
	let failure: unknown = null;
	const parser = createParser({
		onEvent: (e) => {
			if (failure || e.data === '[DONE]') return;
			try {
				const data = JSON.parse(e.data);
				onEvent(e.event ?? data?.type ?? '', data);
			} catch (err) {
				failure = err instanceof SyntaxError ? new BackendError(backend.row.name, 'bad_response', 'an event of the stream is not JSON') : err;
			}
		}
	});
	const decoder = new TextDecoder();
	for await (const chunk of res.body) {
		parser.feed(decoder.decode(chunk, { stream: true }));
		if (failure) throw failure;
	}
}

const streamFailed = (backend: BackendEntry, err: unknown) =>
	err instanceof BackendError ? err : new BackendError(backend.row.name, 'http_error', err instanceof Error ? err.message : String(err), 502);

/** `/v1/chat/completions` answered by an Anthropic backend. */
export async function chatViaAnthropic(ctx: V1Context, backend: BackendEntry, body: Json, model: string): Promise<Response> {
	const { res, release } = await openUpstream(ctx, backend, '/messages', chatToMessages(body, model));
	const id = `chatcmpl-${ctx.requestId}`;
	if (body.stream !== true || !isEventStream(res)) {
		try {
			const msg = await readJsonBody(backend, res);
			meterUsage(ctx.meter, msg);
			return json(messageToChat(msg, id, String(msg.model ?? model)), { headers: { 'x-request-id': ctx.requestId } });
		} finally {
			release();
		}
	}
	const includeUsage = body.stream_options?.include_usage === true;
	const base = { id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model };
	return eventStream(
		ctx,
		async (send) => {
			const translate = new AnthropicToChat();
			const chunk = (delta: Json, finish: string | null = null) => send({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
			try {
				await readEvents(backend, res, (type, data) => {
					meterUsage(ctx.meter, data);
					let deltas: Json[];
					try {
						deltas = translate.deltas(type, data);
					} catch (err) {
						throw streamFailed(backend, err);
					}
					for (const delta of deltas) {
						if (delta.content || delta.tool_calls || delta.reasoning_content) ctx.firstToken();
						chunk(delta);
					}
				});
				if (ctx.signal.aborted) return;
				chunk({}, translate.finish ?? 'stop');
				if (includeUsage) send({ ...base, choices: [], usage: chatUsageOf(translate.usage) });
			} finally {
				release();
			}
		},
		OPENAI_STREAM
	);
}

const ANTHROPIC_STREAM = {
	error: (send: Send, err: unknown) => {
		const d = describeError(err);
		send(anthropicErrorBody(d.status, d.message), 'error');
	}
};

function stopReasonOf(finish: unknown): StopReason {
	if (finish === 'tool_calls') return 'tool_use';
	if (finish === 'length') return 'max_tokens';
	return 'end_turn';
}

/** `/v1/messages` answered by an OpenAI-compatible backend (through its chat completions). */
export async function messagesViaChat(ctx: V1Context, backend: BackendEntry, body: Json, model: string): Promise<Response> {
	const req = validate(MessagesRequest, body, 'request body');
	const chat = { ...toChatRequest(req), model, stream: req.stream === true, ...(req.stream ? { stream_options: { include_usage: true } } : {}) };
	const { res, release } = await openUpstream(ctx, backend, '/chat/completions', chat);
	const id = `msg_${ctx.requestId}`;
	if (req.stream !== true || !isEventStream(res)) {
		try {
			const data = await readJsonBody(backend, res);
			meterUsage(ctx.meter, data);
			const m = data?.choices?.[0]?.message ?? {};
			const result = { text: m.content ?? '', reasoning: m.reasoning_content ?? '', toolCalls: m.tool_calls ?? [], finishReason: 'stop', stopSequence: null } as never;
			return json(
				{ id, type: 'message', role: 'assistant', model: req.model, content: contentOf(result), stop_reason: stopReasonOf(data?.choices?.[0]?.finish_reason), stop_sequence: null, usage: usageOf(ctx.meter) },
				{ headers: { 'request-id': `req_${ctx.requestId}` } }
			);
		} finally {
			release();
		}
	}
	return eventStream(
		ctx,
		async (send) => {
			const events = new MessageEvents(send);
			let finish: unknown = null;
			try {
				events.start({ id, model: req.model });
				await readEvents(backend, res, (_type, data) => {
					if (data?.error) throw streamFailed(backend, new Error(String(data.error.message ?? 'the backend reported an error')));
					meterUsage(ctx.meter, data);
					const choice = data?.choices?.[0];
					const delta = choice?.delta ?? {};
					if (delta.reasoning_content) (ctx.firstToken(), events.thinking(delta.reasoning_content));
					if (delta.content) (ctx.firstToken(), events.text(delta.content));
					for (const call of (delta.tool_calls ?? []) as Json[]) {
						ctx.firstToken();
						if (call.id) events.toolCall({ type: 'start', index: call.index ?? 0, id: call.id, name: call.function?.name ?? '' });
						if (call.function?.arguments) events.toolCall({ type: 'arguments', index: call.index ?? 0, text: call.function.arguments });
					}
					finish = choice?.finish_reason ?? finish;
				});
				if (ctx.signal.aborted) return;
				events.end(stopReasonOf(finish), null, ctx.meter);
			} finally {
				release();
			}
		},
		ANTHROPIC_STREAM
	);
}
