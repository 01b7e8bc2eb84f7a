import type { ServerResponse } from 'node:http';
import type { RequestEvent } from '@sveltejs/kit';
import { nodeResponseOf } from './node-response';

const encoder = new TextEncoder();

/** A streamed response body that text is written into, event by event. */
export type EventBody = {
	body: ReadableStream<Uint8Array>;
	/** Sends a piece of the body, text or bytes as they came (ignored once closed or cancelled). */
	write(piece: string | Uint8Array): void;
	/** Ends the body after everything written so far. */
	close(): void;
	/** Whether the body is closed or the client has gone. */
	readonly closed: boolean;
};

/**
 * A response body for server-sent events. Under the app's own server, once SvelteKit has sent the
 * headers and starts reading the body, each write goes straight to the Node response: one socket
 * write per event, without a web-stream chunk, an encode and a read per event, which is most of a
 * streamed token's cost on the main thread. The body stream itself then only carries the end (its
 * close ends the response). Elsewhere (under Vite, in tests of the module) the text is enqueued
 * into the body stream as usual. Writes made before the first read are kept and sent together.
 */
export function eventBody(event: RequestEvent, onCancel: () => void): EventBody {
	const res = nodeResponseOf(event);
	let controller!: ReadableStreamDefaultController<Uint8Array>;
	let sink: ((piece: string | Uint8Array) => void) | null = null;
	let pending: (string | Uint8Array)[] = [];
	let closed = false;
	let endRequested = false;

	const end = () => {
		try {
			controller.close();
		} catch {
			// already cancelled
		}
	};
	const body = new ReadableStream<Uint8Array>(
		{
			start(c) {
				controller = c;
			},
			// With a high-water mark of 0, the first pull is the server's first read of the body,
			// after the status and headers were written.
			pull() {
				if (sink) return;
				sink = direct(res) ?? ((piece) => controller.enqueue(typeof piece === 'string' ? encoder.encode(piece) : piece));
				if (pending.length) sink(joined(pending));
				pending = [];
				if (endRequested) end();
			},
			cancel() {
				closed = true;
				onCancel();
			}
		},
		{ highWaterMark: 0 }
	);
	return {
		body,
		write(piece) {
			if (closed) return;
			if (sink) sink(piece);
			else pending.push(piece);
		},
		close() {
			if (closed) return;
			closed = true;
			endRequested = true;
			if (sink) end();
		},
		get closed() {
			return closed;
		}
	};
}

/** Pieces written before the first read, as one. */
function joined(pieces: (string | Uint8Array)[]): string | Uint8Array {
	if (pieces.every((p) => typeof p === 'string')) return pieces.join('');
	return Buffer.concat(pieces.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
}

/** A writer straight to the Node response, when it is there with its headers sent and still open. */
function direct(res: ServerResponse | null): ((piece: string | Uint8Array) => void) | null {
	if (!res || !res.headersSent || res.writableEnded || res.destroyed) return null;
	return (piece) => {
		if (!res.writableEnded && !res.destroyed) res.write(piece);
	};
}
