/**
 * The HTTP client for backends: `node:http`/`node:https` on keep-alive agents, one pool of
 * connections per backend origin. It costs a fraction of `fetch` per request (no web streams, no
 * WHATWG objects), which is what a proxy adds to every answer's first token. Redirects are never
 * followed and no compression is asked for.
 */
import http from 'node:http';
import https from 'node:https';
import { finished } from 'node:stream/promises';

const agents = {
	'http:': new http.Agent({ keepAlive: true, scheduling: 'lifo' }),
	'https:': new https.Agent({ keepAlive: true, scheduling: 'lifo' })
};

/** An answer whose headers have arrived; its body is read once, as it arrives. */
export type UpstreamResponse = {
	readonly status: number;
	readonly ok: boolean;
	readonly headers: { get(name: string): string | null };
	/** The body, piece by piece; reading it throws once the request is aborted or the connection breaks. */
	readonly body: AsyncIterable<Buffer>;
	/**
	 * Hands each piece of the body to `onPiece` as it arrives (no promise per piece); resolves at the
	 * end; rejects when the connection breaks, with the signal's reason once aborted. An exception in
	 * `onPiece` ends the body with it.
	 */
	each(onPiece: (piece: Buffer) => void): Promise<void>;
	/** The whole body as text. */
	text(): Promise<string>;
	/** Stops reading and closes the connection. */
	cancel(): void;
};

export type TransportRequest = {
	method: 'GET' | 'POST';
	headers: Record<string, string>;
	body?: string;
	/** Aborts the request at any point, its body included. */
	signal?: AbortSignal;
	/** Until the answer's headers arrive; the request is then destroyed with `onTimeout()`. */
	timeoutMs: number;
	onTimeout: () => Error;
};

function wrap(res: http.IncomingMessage, signal: AbortSignal | undefined): UpstreamResponse {
	const status = res.statusCode ?? 0;
	return {
		status,
		ok: status >= 200 && status < 300,
		headers: {
			get(name) {
				const value = res.headers[name.toLowerCase()];
				return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
			}
		},
		body: res,
		each(onPiece) {
			res.on('data', (piece: Buffer) => {
				try {
					onPiece(piece);
				} catch (err) {
					res.destroy(err as Error);
				}
			});
			return finished(res).catch((err) => {
				throw signal?.aborted ? signal.reason : err;
			});
		},
		async text() {
			const chunks: Buffer[] = [];
			for await (const chunk of res) chunks.push(chunk as Buffer);
			return Buffer.concat(chunks).toString('utf8');
		},
		cancel: () => res.destroy()
	};
}

/**
 * Sends one request; resolves when the answer's headers arrive. Network failures reject with Node's
 * error (its `code` says why). A kept-alive connection the server had closed meanwhile is reset at
 * once, before the request reaches it: that request is sent again, once, on a new connection.
 */
export async function request(url: string, o: TransportRequest): Promise<UpstreamResponse> {
	try {
		return await send(url, o);
	} catch (err) {
		if (!(err instanceof StaleConnection)) throw err;
		return send(url, o);
	}
}

class StaleConnection extends Error {}

function send(url: string, o: TransportRequest): Promise<UpstreamResponse> {
	const target = new URL(url);
	const agent = agents[target.protocol as keyof typeof agents];
	if (!agent) return Promise.reject(new Error(`unsupported protocol ${target.protocol}`));
	const signal = o.signal;
	if (signal?.aborted) return Promise.reject(signal.reason);
	const headers = o.body === undefined ? o.headers : { ...o.headers, 'content-length': String(Buffer.byteLength(o.body)) };
	return new Promise((resolve, reject) => {
		const req = (target.protocol === 'https:' ? https : http).request(target, { method: o.method, headers, agent });
		const onAbort = () => req.destroy(signal!.reason instanceof Error ? signal!.reason : new Error(String(signal!.reason)));
		const timer = setTimeout(() => req.destroy(o.onTimeout()), o.timeoutMs);
		signal?.addEventListener('abort', onAbort, { once: true });
		const done = () => {
			clearTimeout(timer);
			signal?.removeEventListener('abort', onAbort);
		};
		// Stays listening after the answer starts: a later failure reaches the body's reader instead.
		req.on('error', (err: NodeJS.ErrnoException) => {
			done();
			const stale = req.reusedSocket && err.code === 'ECONNRESET' && !signal?.aborted;
			reject(stale ? new StaleConnection(err.message) : err);
		});
		req.once('response', (res) => {
			clearTimeout(timer);
			// The body may still be read for a long time: the caller's signal stays armed until it ends.
			res.once('close', done);
			resolve(wrap(res, signal));
		});
		req.end(o.body);
	});
}
