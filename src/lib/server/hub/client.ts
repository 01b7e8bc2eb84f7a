/**
 * The Hugging Face Hub over HTTP: base URL from `HF_ENDPOINT`, `HF_TOKEN` as a Bearer token, timeouts,
 * and `LLM_MANAGER_OFFLINE`. Failures become typed errors the API maps to statuses: unreachable or 5xx
 * → 502 `hub_unavailable`, 401/403 → 403 `hub_access_denied`, 404 → 404 `hub_not_found`, offline → 503.
 */
import { getConfig } from '../config';
import { AppError, BadGatewayError, NotFoundError, ServiceUnavailableError } from '../http/errors';

export const DEFAULT_TIMEOUT_MS = 15_000;

export class HubUnavailableError extends BadGatewayError {
	constructor(detail: string) {
		super(`The Hugging Face Hub is unavailable: ${detail}`, 'hub_unavailable');
	}
}

export class HubOfflineError extends ServiceUnavailableError {
	constructor() {
		super('Offline mode: the Hugging Face Hub is not contacted (LLM_MANAGER_OFFLINE)', 'offline');
	}
}

export class HubAccessError extends AppError {
	constructor(what: string) {
		super(403, 'hub_access_denied', `The Hub refused access to ${what} (gated or private; set HF_TOKEN)`);
	}
}

export class HubNotFoundError extends NotFoundError {
	constructor(what: string) {
		super(`Not found on the Hub: ${what}`, 'hub_not_found');
	}
}

/** Encodes each segment of a repo path but keeps its slashes. */
export function encodePath(value: string): string {
	return value.split('/').map(encodeURIComponent).join('/');
}

export function hubUrl(pathname: string): string {
	return getConfig().hfEndpoint + pathname;
}

/** `/{repo}/resolve/{revision}/{file}`: the download URL (the Hub answers with a redirect to its CDN). */
export function resolveUrl(repo: string, revision: string, file: string): string {
	return hubUrl(`/${encodePath(repo)}/resolve/${encodeURIComponent(revision)}/${encodePath(file)}`);
}

export function hubHeaders(extra: Record<string, string> = {}): Record<string, string> {
	const token = getConfig().hfToken;
	return { 'user-agent': 'llm-manager', ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra };
}

export function assertOnline(): void {
	if (getConfig().offline) throw new HubOfflineError();
}

export type HubFetchOptions = {
	headers?: Record<string, string>;
	signal?: AbortSignal;
	/** Until the response headers arrive. Defaults to 15 s. */
	timeoutMs?: number;
	/** What the request is about, for messages. */
	what?: string;
};

/**
 * Fetches a Hub URL, following redirects. Resolves once the headers are in; the body is the caller's.
 * Throws the typed errors above for anything but 2xx (and 416, which range readers handle).
 */
export async function hubFetch(url: string, options: HubFetchOptions = {}): Promise<Response> {
	assertOnline();
	const what = options.what ?? new URL(url).pathname;
	const timeout = new AbortController();
	const timer = setTimeout(() => timeout.abort(new Error('timed out')), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
	const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
	let response: Response;
	try {
		response = await fetch(url, { headers: hubHeaders(options.headers), signal, redirect: 'follow' });
	} catch (err) {
		if (options.signal?.aborted) throw options.signal.reason ?? err;
		const reason = timeout.signal.aborted ? 'timed out' : describe(err);
		throw new HubUnavailableError(`${reason} (${what})`);
	} finally {
		clearTimeout(timer);
	}
	if (response.ok || response.status === 416) return response;
	await response.body?.cancel().catch(() => {});
	if (response.status === 401 || response.status === 403) throw new HubAccessError(what);
	if (response.status === 404) throw new HubNotFoundError(what);
	throw new HubUnavailableError(`HTTP ${response.status} (${what})`);
}

/** GETs a Hub API path and parses its JSON. */
export async function hubJson<T>(pathname: string, options: HubFetchOptions = {}): Promise<{ data: T; response: Response }> {
	const response = await hubFetch(pathname.startsWith('http') ? pathname : hubUrl(pathname), options);
	try {
		return { data: (await response.json()) as T, response };
	} catch (err) {
		throw new HubUnavailableError(`unreadable answer: ${describe(err)}`);
	}
}

function describe(err: unknown): string {
	const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
	return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}
