import { json } from '@sveltejs/kit';
import { readJson } from '../http/parse';
import * as inference from '../inference';
import type { V1Context } from '../inference';
import { outputOf, responseBase, responseObject, usageOf } from './objects';
import { ResponsesRequest } from './schemas';
import { ResponseEvents } from './stream';
import { toChatRequest } from './translate';

/** `POST /v1/responses` (stateless): Responses shapes in and out, generation in the shared chat core. */
export async function responses(ctx: V1Context): Promise<Response> {
	const req = await readJson(ctx.event.request, ResponsesRequest, inference.V1_BODY_LIMIT);
	ctx.meter.model = req.model;
	const chatReq = toChatRequest(req);
	const { prepared, lease, sampling } = await inference.startChat(ctx, chatReq);
	const base = responseBase(req, `resp_${ctx.requestId}`, sampling);
	const finished = (result: inference.ChatResult) => {
		ctx.meter.promptTokens = result.promptTokens;
		ctx.meter.cachedTokens = result.cachedTokens;
		ctx.meter.completionTokens = result.completionTokens;
		const reasoningTokens = result.reasoning ? lease.model.tokenize(result.reasoning).length : 0;
		return usageOf(result, Math.min(reasoningTokens, result.completionTokens));
	};

	if (!req.stream) {
		try {
			const result = await inference.runChat(lease, prepared, sampling, {
				signal: ctx.signal,
				onText: () => ctx.firstToken(),
				onReasoning: () => ctx.firstToken()
			});
			const usage = finished(result);
			ctx.signal.throwIfAborted();
			const status = result.finishReason === 'length' ? 'incomplete' : 'completed';
			return json(responseObject(base, status, outputOf(result), usage));
		} finally {
			lease.release();
		}
	}

	let events: ResponseEvents | null = null;
	return inference.eventStream(
		ctx,
		async (send) => {
			events = new ResponseEvents(send, base);
			try {
				events.start();
				const result = await inference.runChat(lease, prepared, sampling, {
					signal: ctx.signal,
					onText: (text) => {
						ctx.firstToken();
						if (text) events!.text(text);
					},
					onReasoning: (text) => {
						ctx.firstToken();
						events!.reasoning(text);
					},
					onToolCall: (delta) => {
						ctx.firstToken();
						events!.toolCall(delta);
					}
				});
				const usage = finished(result);
				if (ctx.signal.aborted) return;
				events.end(result.finishReason === 'length', usage);
			} finally {
				lease.release();
			}
		},
		{
			error: (send, err) => {
				const d = inference.describeError(err);
				if (events) events.event('error', { code: d.code, message: d.message, param: d.param });
				else send({ type: 'error', code: d.code, message: d.message, param: d.param, sequence_number: 0 }, 'error');
			}
		}
	);
}
