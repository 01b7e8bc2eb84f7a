/**
 * Requests to the Hub with fetch, for its JSON API. The Hub is an outside party, so: redirects are
 * followed by hand, only to http(s), with the token sent to the Hub's own origin and never elsewhere;
 * every request has one deadline for connecting, the headers and the body together; a JSON body larger than `MAX_JSON_BYTES` is refused before it is parsed.
 */
import { getConfig } from '../config';
import { HubAccessError, HubNotFoundError, HubUnavailableError, assertOnline, hubHeaders } from './client';

/** The largest JSON answer read from the Hub (a tree page of a repo with thousands of files is a few MB). */
export const MAX_JSON_BYTES = 16 * 1024 * 1024;
export const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export type HubFetchOptions = {
	headers?: Record<string, string>;
	signal?: AbortSignal;
	/** For the whole request (headers and body). Defaults to `LLM_MANAGER_HUB_TIMEOUT`. */
	timeoutMs?: number;
	/** What the request is about, for messages. */
	what?: string;
};

export const hubTimeoutMs = () => getConfig().hubTimeoutMs;

/** Only http(s) URLs are followed; anything else is refused. */
export function followable(location: string, base: URL): URL {
	let next: URL;
	try {
		next = new URL(location, base);
	} catch {
		throw new HubUnavailableError(`redirect to an invalid address`);
	}
	if (next.protocol !== 'http:' && next.protocol !== 'https:') {
		throw new HubUnavailableError(`redirect to a ${next.protocol} address refused`);
	}
	return next;
}

/** Headers for one hop: the token only when the hop goes to the Hub's own origin. */
export function headersFor(url: URL, extra: Record<string, string> = {}): Record<string, string> {
	const headers = hubHeaders(extra);
	if (url.origin !== new URL(getConfig().hfEndpoint).origin) delete headers.authorization;
	return headers;
}

type Deadline = { signal: AbortSignal; timedOut: () => boolean; clear: () => void };

function deadline(options: HubFetchOptions): Deadline {
	const controller = new AbortController();
	const timer = setTimeout(() => controller.abort(new Error('timed out')), options.timeoutMs ?? hubTimeoutMs());
	const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
	return { signal, timedOut: () => controller.signal.aborted, clear: () => clearTimeout(timer) };
}

function describe(err: unknown): string {
	const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
	return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

async function fetchFollowing(url: string, options: HubFetchOptions, d: Deadline, what: string): Promise<Response> {
	let current = followable(url, new URL(getConfig().hfEndpoint));
	for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
		let response: Response;
		try {
			response = await fetch(current, { headers: headersFor(current, options.headers), signal: d.signal, redirect: 'manual' });
		} catch (err) {
			if (options.signal?.aborted) throw options.signal.reason ?? err;
			throw new HubUnavailableError(`${d.timedOut() ? 'timed out' : describe(err)} (${what})`);
		}
		const location = response.headers.get('location');
		if (!REDIRECTS.has(response.status) || !location) return response;
		await response.body?.cancel().catch(() => {});
		current = followable(location, current);
	}
	throw new HubUnavailableError(`too many redirects (${what})`);
}

async function checkStatus(response: Response, what: string): Promise<Response> {
	if (response.ok || response.status === 416) return response;
	await response.body?.cancel().catch(() => {});
	if (response.status === 401 || response.status === 403) throw new HubAccessError(what);
	if (response.status === 404) throw new HubNotFoundError(what);
	throw new HubUnavailableError(`HTTP ${response.status} (${what})`);
}

/** Reads a body up to `limit` bytes (the deadline's signal, given to fetch, also ends a trickling body). */
async function readLimited(response: Response, limit: number, d: Deadline, what: string): Promise<string> {
	const declared = Number(response.headers.get('content-length') ?? NaN);
	if (declared > limit) {
		await response.body?.cancel().catch(() => {});
		throw new HubUnavailableError(`answer too large (${declared} bytes, at most ${limit}) (${what})`);
	}
	const reader = response.body?.getReader();
	if (!reader) return '';
	const chunks: Uint8Array[] = [];
	let total = 0;
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			total += value.byteLength;
			if (total > limit) throw new HubUnavailableError(`answer too large (more than ${limit} bytes) (${what})`);
			chunks.push(value);
		}
	} catch (err) {
		await reader.cancel().catch(() => {});
		if (err instanceof HubUnavailableError) throw err;
		throw new HubUnavailableError(`${d.timedOut() ? 'timed out' : describe(err)} (${what})`);
	}
	return Buffer.concat(chunks).toString('utf8');
}

/** GETs a Hub API path (or a full URL from a `Link` header) and parses its JSON. */
export async function hubJson<T>(pathname: string, options: HubFetchOptions = {}): Promise<{ data: T; response: { headers: Headers } }> {
	assertOnline();
	const url = pathname.startsWith('http') ? pathname : getConfig().hfEndpoint + pathname;
	const what = options.what ?? pathname.split('?')[0];
	const d = deadline(options);
	try {
		const response = await checkStatus(await fetchFollowing(url, options, d, what), what);
		const text = await readLimited(response, MAX_JSON_BYTES, d, what);
		try {
			return { data: JSON.parse(text) as T, response: { headers: response.headers } };
		} catch (err) {
			throw new HubUnavailableError(`unreadable answer: ${describe(err)}`);
		}
	} finally {
		d.clear();
	}
}

/**
 * Where a Hub file URL ends up after its redirects (HEAD requests, token to the Hub only), with the
 * headers to read it with: for readers that follow redirects themselves.
 */
export async function resolveFinal(url: string, options: HubFetchOptions = {}): Promise<{ url: string; headers: Record<string, string> }> {
	assertOnline();
	const what = options.what ?? new URL(url).pathname;
	const d = deadline(options);
	try {
		let current = followable(url, new URL(url));
		for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
			let response: Response;
			try {
				response = await fetch(current, { method: 'HEAD', headers: headersFor(current), signal: d.signal, redirect: 'manual' });
			} catch (err) {
				if (options.signal?.aborted) throw options.signal.reason ?? err;
				throw new HubUnavailableError(`${d.timedOut() ? 'timed out' : describe(err)} (${what})`);
			}
			const location = response.headers.get('location');
			if (!REDIRECTS.has(response.status) || !location) {
				await checkStatus(response, what);
				return { url: current.href, headers: headersFor(current) };
			}
			current = followable(location, current);
		}
		throw new HubUnavailableError(`too many redirects (${what})`);
	} finally {
		d.clear();
	}
}
