/**
 * `/v1/responses` on a backend that does not serve it: an Anthropic backend, or an OpenAI-compatible
 * server without the Responses API (llama-server, Ollama, older vLLM). The request becomes a chat
 * request, runs remotely, and the answer is rendered with the Responses API's own objects and events.
 */
import { json } from '@sveltejs/kit';
import { validate } from '../http/parse';
import { describeError, type V1Context } from '../inference/v1';
import { eventStream } from '../inference/sse';
import { outputOf, responseBase, responseObject, usageOf } from '../responses/objects';
import { ResponsesRequest } from '../responses/schemas';
import { ResponseEvents } from '../responses/stream';
import { toChatRequest } from '../responses/translate';
import { runRemoteChat } from './remote-chat';
import type { BackendEntry } from './store';

export async function responsesViaChat(ctx: V1Context, backend: BackendEntry, body: unknown, model: string): Promise<Response> {
	const req = validate(ResponsesRequest, body, 'request body');
	const chat = toChatRequest(req);
	const base = responseBase(req, `resp_${ctx.requestId}`, { temperature: req.temperature ?? 1, topP: req.top_p ?? 1 });
	if (!req.stream) {
		const result = await runRemoteChat(ctx, backend, chat, model);
		const status = result.finishReason === 'length' ? 'incomplete' : 'completed';
		return json(responseObject(base, status, outputOf(result), usageOf(result, 0)), { headers: { 'x-request-id': ctx.requestId } });
	}
	let events: ResponseEvents | null = null;
	return eventStream(
		ctx,
		async (send) => {
			events = new ResponseEvents(send, base);
			events.start();
			const result = await runRemoteChat(ctx, backend, chat, model, {
				onText: (text) => events!.text(text),
				onReasoning: (text) => events!.reasoning(text),
				onToolCall: (delta) => events!.toolCall(delta)
			});
			if (ctx.signal.aborted) return;
			events.end(result.finishReason === 'length', usageOf(result, 0));
		},
		{
			error: (send, err) => {
				const d = describeError(err);
				if (events) events.event('error', { code: d.code, message: d.message, param: d.param });
				else send({ type: 'error', code: d.code, message: d.message, param: d.param, sequence_number: 0 }, 'error');
			}
		}
	);
}
