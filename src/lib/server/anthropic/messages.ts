import { json } from '@sveltejs/kit';
import { readJson } from '../http/parse';
import * as inference from '../inference';
import type { V1Context } from '../inference';
import { anthropicErrorBody } from './errors';
import { CountTokensRequest, MessagesRequest } from './schemas';
import { MessageEvents } from './stream';
import { contentOf, stopReasonOf, thoughtBudgetOf, toChatRequest, usageOf } from './translate';

/** Errors inside a stream: Anthropic's `error` event. */
const ANTHROPIC_STREAM: inference.StreamFormat = {
	error: (send, err) => {
		const d = inference.describeError(err);
		send(anthropicErrorBody(d.status, d.message), 'error');
	}
};

/** `POST /v1/messages`: Anthropic's shapes in and out, generation in the same chat core as `/v1/chat/completions`. */
export async function messages(ctx: V1Context): Promise<Response> {
	const req = await readJson(ctx.event.request, MessagesRequest, inference.V1_BODY_LIMIT);
	ctx.meter.model = req.model;
	const chatReq = toChatRequest(req);
	const { prepared, lease, sampling } = await inference.startChat(ctx, chatReq, (s) => {
		s.thoughtTokens = thoughtBudgetOf(req, s.maxTokens);
	});
	const id = `msg_${ctx.requestId}`;
	const meter = (r: { promptTokens: number; cachedTokens: number; completionTokens: number }) => {
		ctx.meter.promptTokens = r.promptTokens;
		ctx.meter.cachedTokens = r.cachedTokens;
		ctx.meter.completionTokens = r.completionTokens;
	};

	if (!req.stream) {
		try {
			const result = await inference.runChat(lease, prepared, sampling, {
				signal: ctx.signal,
				onText: () => ctx.firstToken(),
				onReasoning: () => ctx.firstToken()
			});
			meter(result);
			ctx.signal.throwIfAborted();
			return json(
				{
					id,
					type: 'message',
					role: 'assistant',
					model: req.model,
					content: contentOf(result),
					stop_reason: stopReasonOf(result),
					stop_sequence: result.stopSequence,
					usage: usageOf(result)
				},
				{ headers: { 'request-id': `req_${ctx.requestId}` } }
			);
		} finally {
			lease.release();
		}
	}

	return inference.eventStream(
		ctx,
		async (send) => {
			const events = new MessageEvents(send);
			try {
				events.start({ id, model: req.model });
				const result = await inference.runChat(lease, prepared, sampling, {
					signal: ctx.signal,
					onText: (text) => {
						ctx.firstToken();
						if (text) events.text(text);
					},
					onReasoning: (text) => {
						ctx.firstToken();
						events.thinking(text);
					},
					onToolCall: (delta) => {
						ctx.firstToken();
						events.toolCall(delta);
					}
				});
				meter(result);
				if (ctx.signal.aborted) return;
				events.end(stopReasonOf(result), result.stopSequence, result);
			} finally {
				lease.release();
			}
		},
		ANTHROPIC_STREAM
	);
}

/** `POST /v1/messages/count_tokens`: the prompt's size on the model, through its chat template. */
export async function countTokens(ctx: V1Context): Promise<Response> {
	const req = await readJson(ctx.event.request, CountTokensRequest, inference.V1_BODY_LIMIT);
	ctx.meter.model = req.model;
	const target = await inference.resolveTarget(req.model, ctx.caller);
	const prepared = await inference.prepareChat(toChatRequest(req), target.profile?.systemPrompt ?? '');
	const lease = await inference.leaseFor(target, ctx.signal);
	try {
		const count = inference.countChatTokens(lease.model, prepared);
		ctx.meter.promptTokens = count;
		return json({ input_tokens: count });
	} finally {
		lease.release();
	}
}
