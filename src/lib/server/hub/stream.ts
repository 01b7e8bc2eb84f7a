/**
 * Opens a Hub file as a Node stream (node:http/https rather than fetch: for multi-gigabyte bodies the
 * plain socket stream is several times cheaper per byte). Follows redirects like the Hub's resolve →
 * CDN hop (http(s) only), sending the token only to the Hub's own origin. Errors map like `hubJson`'s.
 */
import http from 'node:http';
import https from 'node:https';
import { HubAccessError, HubNotFoundError, HubUnavailableError, assertOnline } from './client';
import { MAX_REDIRECTS, followable, headersFor, hubTimeoutMs } from './fetch';

export type StreamOptions = {
	headers?: Record<string, string>;
	signal?: AbortSignal;
	/** Until the response headers arrive (connecting included). Defaults to `LLM_MANAGER_HUB_TIMEOUT`. */
	timeoutMs?: number;
};

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function requestOnce(url: URL, headers: Record<string, string>, options: StreamOptions): Promise<http.IncomingMessage> {
	return new Promise((resolve, reject) => {
		const lib = url.protocol === 'https:' ? https : http;
		const req = lib.get(url, { headers }, (res) => {
			clearTimeout(timer);
			options.signal?.removeEventListener('abort', onAbort);
			resolve(res);
		});
		const timer = setTimeout(() => req.destroy(new Error('timed out')), options.timeoutMs ?? hubTimeoutMs());
		const onAbort = () => req.destroy(options.signal!.reason);
		options.signal?.addEventListener('abort', onAbort, { once: true });
		req.on('error', (err) => {
			clearTimeout(timer);
			options.signal?.removeEventListener('abort', onAbort);
			reject(err);
		});
	});
}

/** GETs `url` and resolves with the response stream once a non-redirect status arrives. */
export async function openHubStream(url: string, options: StreamOptions = {}): Promise<http.IncomingMessage> {
	return (await openHubStreamAt(url, options)).response;
}

/**
 * `openHubStream`, also telling where the redirects ended (the CDN's address), so that more ranges of
 * the same file can be asked there directly. Each request decides anew whether the token goes along
 * (only to the Hub's own origin).
 */
export async function openHubStreamAt(url: string, options: StreamOptions = {}): Promise<{ response: http.IncomingMessage; url: string }> {
	assertOnline();
	let current = followable(url, new URL(url));
	for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
		const headers = headersFor(current, options.headers);
		let res: http.IncomingMessage;
		try {
			res = await requestOnce(current, headers, options);
		} catch (err) {
			throw requestFailure(err, current, options.signal);
		}
		const next = hopAfter(res.statusCode ?? 0, res.headers.location, current, () => res.resume());
		if (!next) return { response: res, url: current.href };
		current = next;
	}
	throw new HubUnavailableError(`too many redirects (${url})`);
}

/**
 * What a status means on the way to a file's bytes: the next address for a redirect, null for an answer
 * to read (2xx, or 416 for a range past the end), else the Hub's typed error, thrown. `discard` drops
 * the body of a response that is not read.
 */
export function hopAfter(status: number, location: string | undefined, current: URL, discard: () => void): URL | null {
	if (REDIRECTS.has(status) && location) {
		discard();
		return followable(location, current);
	}
	if ((status >= 200 && status < 300) || status === 416) return null;
	discard();
	if (status === 401 || status === 403) throw new HubAccessError(current.pathname);
	if (status === 404) throw new HubNotFoundError(current.pathname);
	throw new HubUnavailableError(`HTTP ${status} (${current.pathname})`);
}

/** What a request that got no answer ends with: the abort's reason when aborted, else the Hub as unavailable. */
export function requestFailure(err: unknown, url: URL, signal: AbortSignal | undefined): unknown {
	if (signal?.aborted) return signal.reason;
	return new HubUnavailableError(`${(err as NodeJS.ErrnoException).code ?? (err as Error).message} (${url.pathname})`);
}
