import { ClientGoneError, RequestTimeoutError, describeError, type V1Context } from './v1';

const encoder = new TextEncoder();

export type Send = (data: unknown) => void;

/**
 * A `text/event-stream` response whose events `produce` sends. The audit row is written when the
 * stream really ends: after `data: [DONE]`, on an error (sent as a last event), or when the client
 * goes away (the stream is cancelled, which aborts generation through the context's signal).
 */
export function sseResponse(ctx: V1Context, produce: (send: Send) => Promise<void>): Response {
	const finish = ctx.detach();
	let closed = false;
	const stream = new ReadableStream<Uint8Array>({
		start(controller) {
			const send: Send = (data) => {
				if (closed) return;
				const text = typeof data === 'string' ? data : JSON.stringify(data);
				controller.enqueue(encoder.encode(`data: ${text}\n\n`));
			};
			const close = () => {
				if (closed) return;
				closed = true;
				try {
					controller.close();
				} catch {
					// already cancelled
				}
			};
			const sendError = (err: unknown) => {
				const d = describeError(err);
				const type = err instanceof RequestTimeoutError ? 'timeout_error' : 'server_error';
				send({ error: { message: d.message, type, param: d.param, code: d.code } });
			};
			// Why generation was aborted, if it was: a timeout (the client is still there and is told)
			// or the client leaving (nobody to tell).
			const abortReason = () => (ctx.signal.aborted ? ctx.signal.reason : undefined);
			produce(send).then(
				() => {
					const reason = abortReason();
					if (reason instanceof RequestTimeoutError) sendError(reason);
					else send('[DONE]');
					close();
					finish(reason === undefined || reason instanceof RequestTimeoutError ? reason : new ClientGoneError());
				},
				(err) => {
					const reason = abortReason();
					if (reason === undefined || reason instanceof RequestTimeoutError) sendError(reason ?? err);
					close();
					finish(reason === undefined ? err : reason instanceof RequestTimeoutError ? reason : new ClientGoneError());
				}
			);
		},
		cancel() {
			closed = true;
			ctx.abort();
		}
	});
	return new Response(stream, {
		headers: {
			'content-type': 'text/event-stream; charset=utf-8',
			'cache-control': 'no-cache, no-transform',
			connection: 'keep-alive',
			'x-accel-buffering': 'no',
			'x-request-id': ctx.requestId
		}
	});
}
