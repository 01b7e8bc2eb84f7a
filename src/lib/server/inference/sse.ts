import { ClientGoneError, describeError, type V1Context } from './v1';

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
			produce(send).then(
				() => {
					const gone = ctx.signal.aborted;
					send('[DONE]');
					close();
					finish(gone ? new ClientGoneError() : undefined);
				},
				(err) => {
					if (!ctx.signal.aborted) {
						const d = describeError(err);
						send({ error: { message: d.message, type: 'server_error', param: d.param, code: d.code } });
					}
					close();
					finish(ctx.signal.aborted ? new ClientGoneError() : err);
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
