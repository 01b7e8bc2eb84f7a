/**
 * A GET over plain HTTP/1.1, one connection per request, whose socket reads land in one buffer the
 * caller lends (`net`'s `onread`) instead of a new buffer per read. At hundreds of MB/s those per-read
 * buffers are most of what V8 allocates, and their external memory sets off storms of major GCs.
 * For download parts from an `http:` address; an `https:` hop, or an answer this does not frame
 * (chunked, 1xx), ends in `PlainGetUnsupported` with the address to continue at with `openHubStreamAt`.
 * Redirects, the token and the Hub's errors follow `openHubStreamAt`'s rules.
 */
import net from 'node:net';
import { HubUnavailableError, assertOnline } from './client';
import { MAX_REDIRECTS, followable, headersFor, hubTimeoutMs } from './fetch';
import { hopAfter, requestFailure, type StreamOptions } from './stream';

const MAX_HEAD = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');

/** Where a body goes. */
export type BodyTarget = {
	/** Copies what it can of `chunk` (a view valid only during the call); fewer bytes than all: wait for `ready`. */
	take(chunk: Buffer): number;
	/** Resolves when `take` has room again. */
	ready(): Promise<void>;
};

export type PlainGetOptions = StreamOptions & { readBuffer: Buffer };

export type PlainResponse = {
	status: number;
	/** Lower-case names. */
	headers: Record<string, string>;
	/** Where the redirects ended. */
	url: string;
	/** Hands the body to `target`; resolves once all of it was taken, rejects on a failure or `destroy`. */
	pipe(target: BodyTarget): Promise<void>;
	destroy(reason?: unknown): void;
};

export class PlainGetUnsupported extends Error {
	constructor(
		readonly url: string,
		reason: string
	) {
		super(`not read over plain HTTP: ${reason}`);
	}
}

export async function plainGet(url: string, options: PlainGetOptions): Promise<PlainResponse> {
	assertOnline();
	let current = followable(url, new URL(url));
	for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
		if (current.protocol !== 'http:') throw new PlainGetUnsupported(current.href, current.protocol);
		let res: PlainResponse;
		try {
			res = await requestOnce(current, headersFor(current, options.headers), options);
		} catch (err) {
			throw err instanceof PlainGetUnsupported ? err : requestFailure(err, current, options.signal);
		}
		const next = hopAfter(res.status, res.headers.location, current, () => res.destroy());
		if (next) {
			current = next;
			continue;
		}
		const encoding = res.headers['transfer-encoding'] ?? 'identity';
		if (encoding === 'identity') return res;
		res.destroy();
		throw new PlainGetUnsupported(current.href, `${encoding} body`);
	}
	throw new HubUnavailableError(`too many redirects (${url})`);
}

function requestText(url: URL, headers: Record<string, string>): string {
	let text = `GET ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
	for (const [name, value] of Object.entries(headers)) {
		if (/[\r\n]/.test(name + value)) throw new Error(`header ${name} holds a line break`);
		if (name.toLowerCase() !== 'host' && name.toLowerCase() !== 'connection') text += `${name}: ${value}\r\n`;
	}
	return `${text}connection: close\r\n\r\n`;
}

type Head = { status: number; headers: Record<string, string> };

function parseHead(text: string, url: URL): Head {
	const [statusLine, ...lines] = text.split('\r\n');
	const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine);
	if (!status) throw new Error(`not an HTTP/1.1 answer`);
	const headers: Record<string, string> = {};
	for (const line of lines) {
		const colon = line.indexOf(':');
		if (colon <= 0) throw new Error('a malformed header line');
		const name = line.slice(0, colon).trim().toLowerCase();
		const value = line.slice(colon + 1).trim();
		headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
	}
	const code = Number(status[1]);
	if (code < 200) throw new PlainGetUnsupported(url.href, `status ${code}`);
	if ('content-length' in headers && !/^\d+$/.test(headers['content-length'])) throw new Error('a malformed content-length');
	return { status: code, headers };
}

/** One request on its own connection; resolves at the answer's head, with its reading paused. */
function requestOnce(url: URL, headers: Record<string, string>, options: PlainGetOptions): Promise<PlainResponse> {
	const text = requestText(url, headers);
	return new Promise((resolve, reject) => {
		let head: Buffer = Buffer.alloc(0);
		/** After the head: bytes still to come (null: until the connection closes), the target, the rest of a read it did not take. */
		let remaining: number | null = null;
		let target: BodyTarget | null = null;
		let leftover: Buffer | null = null;
		let piped: { resolve: () => void; reject: (err: unknown) => void } | null = null;
		let response: PlainResponse | null = null;
		let ended = false;
		let failure: unknown = null;
		const socket = net.connect({
			host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
			port: Number(url.port || 80),
			onread: { buffer: options.readBuffer, callback: (n, buffer) => onRead((buffer as Buffer).subarray(0, n)) }
		});
		const timer = setTimeout(() => socket.destroy(new Error('timed out')), options.timeoutMs ?? hubTimeoutMs());
		const onAbort = () => socket.destroy(options.signal!.reason);
		options.signal?.addEventListener('abort', onAbort, { once: true });
		const finish = (err: unknown) => {
			if (ended) return;
			ended = true;
			clearTimeout(timer);
			options.signal?.removeEventListener('abort', onAbort);
			if (err) failure = err;
			socket.destroy();
			if (err) reject(err); // no effect once the head resolved
			if (piped) err ? piped.reject(err) : piped.resolve();
		};
		socket.on('connect', () => socket.write(text));
		socket.on('error', (err) => finish(err));
		socket.on('close', () => {
			if (remaining === null && target) return finish(null); // a body that lasts until the connection closes
			finish(new Error(head.length === 0 && !response ? 'the connection closed before an answer' : 'the connection closed before the body ended'));
		});
		socket.resume(); // reads are handed to `onRead`; flowing lets the end of the connection be seen
		/** Stops reading until `socket.resume()` (pausing the stream too, so that resuming restarts reads). */
		const hold = () => (socket.pause(), false);

		/** Hands `chunk` on; false pauses reading (the target is full, or the body is done). */
		const deliver = (chunk: Buffer): boolean => {
			if (remaining !== null && chunk.length > remaining) chunk = chunk.subarray(0, remaining);
			let taken: number;
			try {
				taken = target!.take(chunk);
			} catch (err) {
				finish(err);
				return false;
			}
			if (remaining !== null) remaining -= taken;
			if (remaining === 0) return finish(null), false;
			if (taken === chunk.length) return true;
			leftover = chunk.subarray(taken); // stays valid: nothing is read into the buffer while held
			target!.ready().then(() => {
				const rest = leftover!;
				leftover = null;
				if (!ended && deliver(rest)) socket.resume();
			}, finish);
			return hold();
		};

		const onRead = (chunk: Buffer): boolean => {
			if (ended) return false;
			if (target) return deliver(chunk);
			if (response) return hold(); // the body waits for `pipe`
			head = Buffer.concat([head, chunk]);
			const end = head.indexOf(HEAD_END);
			if (end < 0) {
				if (head.length > MAX_HEAD) finish(new Error('an answer head over 64 KiB'));
				return true;
			}
			let parsed: Head;
			try {
				parsed = parseHead(head.subarray(0, end).toString('latin1'), url);
			} catch (err) {
				finish(err);
				return false;
			}
			clearTimeout(timer);
			const body = head.subarray(end + HEAD_END.length);
			remaining = 'content-length' in parsed.headers ? Number(parsed.headers['content-length']) : null;
			response = {
				...parsed,
				url: url.href,
				pipe: (into) =>
					new Promise<void>((ok, fail) => {
						if (failure) return fail(failure);
						piped = { resolve: ok, reject: fail };
						target = into;
						if (remaining === 0) return finish(null);
						if (deliver(body)) socket.resume();
					}),
				destroy: (reason) => finish(reason ?? new Error('the answer was not read'))
			};
			resolve(response);
			return hold();
		};
	});
}
