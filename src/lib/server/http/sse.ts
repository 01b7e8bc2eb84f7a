/**
 * Server-Sent Events over a `ReadableStream`. The stream is a view: closing it only unsubscribes.
 */

/** One SSE frame. Multi-line data is split into several `data:` lines, as the format requires. */
export function formatEvent(data: unknown, options: { event?: string; id?: string } = {}): string {
	const text = typeof data === 'string' ? data : JSON.stringify(data);
	let frame = '';
	if (options.event) frame += `event: ${options.event}\n`;
	if (options.id) frame += `id: ${options.id}\n`;
	for (const line of text.split(/\r\n|\r|\n/)) frame += `data: ${line}\n`;
	return frame + '\n';
}

export type Throttle<T> = {
	/** Queue a value; `urgent` sends it now (and drops any older queued value). */
	push: (value: T, urgent?: boolean) => void;
	cancel: () => void;
};

/**
 * Coalesces values so at most one goes out per `intervalMs`; the latest value wins. Urgent values
 * (status changes) go out at once.
 */
export function throttle<T>(send: (value: T) => void, intervalMs: number, now = () => Date.now()): Throttle<T> {
	let lastSent = -Infinity;
	let queued: { value: T } | null = null;
	let timer: ReturnType<typeof setTimeout> | null = null;
	const flush = () => {
		timer = null;
		if (!queued) return;
		const { value } = queued;
		queued = null;
		lastSent = now();
		send(value);
	};
	return {
		push(value, urgent = false) {
			queued = { value };
			if (urgent || now() - lastSent >= intervalMs) {
				if (timer) clearTimeout(timer);
				flush();
			} else {
				timer ??= setTimeout(flush, intervalMs - (now() - lastSent));
			}
		},
		cancel() {
			if (timer) clearTimeout(timer);
			timer = null;
			queued = null;
		}
	};
}

// Many viewers of one download receive the same event object: encode it once for all of them.
const encoded = new WeakMap<object, Uint8Array>();
const encoder = new TextEncoder();

function encodeEvent(data: unknown): Uint8Array {
	if (typeof data !== 'object' || data === null) return encoder.encode(formatEvent(data));
	let bytes = encoded.get(data);
	if (!bytes) {
		bytes = encoder.encode(formatEvent(data));
		encoded.set(data, bytes);
	}
	return bytes;
}

export type SseSink = { send: (data: unknown) => void; close: () => void };

/**
 * A `text/event-stream` response. `start` gets a sink and returns the cleanup to run when the stream
 * ends (either side closing). A comment line goes out every `keepAliveMs` to keep proxies from
 * timing the stream out.
 */
export function sseResponse(start: (sink: SseSink) => (() => void) | void, keepAliveMs = 15_000): Response {
	let cleanup: (() => void) | void;
	let keepAlive: ReturnType<typeof setInterval> | null = null;
	let closed = false;
	const end = () => {
		if (closed) return;
		closed = true;
		if (keepAlive) clearInterval(keepAlive);
		cleanup?.();
	};
	const stream = new ReadableStream<Uint8Array>({
		start(controller) {
			const sink: SseSink = {
				send(data) {
					if (!closed) controller.enqueue(encodeEvent(data));
				},
				close() {
					if (closed) return;
					end();
					controller.close();
				}
			};
			keepAlive = setInterval(() => !closed && controller.enqueue(encoder.encode(': keep-alive\n\n')), keepAliveMs);
			cleanup = start(sink);
			if (closed) cleanup?.();
		},
		cancel() {
			end();
		}
	});
	return new Response(stream, {
		headers: {
			'content-type': 'text/event-stream; charset=utf-8',
			'cache-control': 'no-cache, no-transform',
			connection: 'keep-alive',
			'x-accel-buffering': 'no'
		}
	});
}
