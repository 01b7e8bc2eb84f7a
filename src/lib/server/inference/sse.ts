import { eventBody } from '../http/event-body';
import { ClientGoneError, RequestTimeoutError, describeError, type V1Context } from './v1';

/** Sends one event: `data` as JSON (a string as is), under an `event:` name when one is given. */
export type Send = (data: unknown, event?: string) => void;

/** How a wire protocol ends its event stream. */
export type StreamFormat = {
	/** Sent after the last event of a stream that ended well. */
	done?: (send: Send) => void;
	/** Sent as the last event when generation failed or timed out. */
	error: (send: Send, err: unknown) => void;
};

/** OpenAI's: `data: [DONE]`, and errors in the OpenAI envelope. */
export const OPENAI_STREAM: StreamFormat = {
	done: (send) => send('[DONE]'),
	error: (send, err) => {
		const d = describeError(err);
		const type = err instanceof RequestTimeoutError ? 'timeout_error' : 'server_error';
		send({ error: { message: d.message, type, param: d.param, code: d.code } });
	}
};

/** A `text/event-stream` response in OpenAI's chat-completions format (see `eventStream`). */
export function sseResponse(ctx: V1Context, produce: (send: Send) => Promise<void>): Response {
	return eventStream(ctx, produce, OPENAI_STREAM);
}

/**
 * A `text/event-stream` response whose events `produce` sends. The audit row is written when the
 * stream really ends: after the format's last event, on an error (sent as a last event), or when the
 * client goes away (the stream is cancelled, which aborts generation through the context's signal).
 */
export function eventStream(ctx: V1Context, produce: (send: Send) => Promise<void>, format: StreamFormat): Response {
	const finish = ctx.detach();
	const out = eventBody(ctx.event, () => ctx.abort());
	const send: Send = (data, event) => {
		if (out.closed) return;
		const text = typeof data === 'string' ? data : JSON.stringify(data);
		out.write(`${event ? `event: ${event}\n` : ''}data: ${text}\n\n`);
	};
	const sendError = (err: unknown) => format.error(send, err);
	// Why generation was aborted, if it was: a timeout (the client is still there and is told)
	// or the client leaving (nobody to tell).
	const abortReason = () => (ctx.signal.aborted ? ctx.signal.reason : undefined);
	produce(send).then(
		() => {
			const reason = abortReason();
			if (reason instanceof RequestTimeoutError) sendError(reason);
			else format.done?.(send);
			out.close();
			finish(reason === undefined || reason instanceof RequestTimeoutError ? reason : new ClientGoneError());
		},
		(err) => {
			const reason = abortReason();
			if (reason === undefined || reason instanceof RequestTimeoutError) sendError(reason ?? err);
			out.close();
			finish(reason === undefined ? err : reason instanceof RequestTimeoutError ? reason : new ClientGoneError());
		}
	);
	return new Response(out.body, {
		headers: {
			'content-type': 'text/event-stream; charset=utf-8',
			'cache-control': 'no-cache, no-transform',
			connection: 'keep-alive',
			'x-accel-buffering': 'no',
			'x-request-id': ctx.requestId
		}
	});
}
