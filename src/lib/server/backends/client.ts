/**
 * Requests to a remote backend. Headers are built from the backend's own configuration only (its key,
 * its extra headers): nothing of the caller's request (Authorization, cookies) is ever forwarded.
 * Redirects are not followed. A failure is a `BackendError` that says why in words a person can act on.
 */
import { AppError } from '../http/errors';
import type { BackendEntry } from './store';
import { request, type UpstreamResponse } from './transport';

export type { UpstreamResponse };

export const ANTHROPIC_VERSION = '2023-06-01';

export type FailureReason = 'bad_key' | 'refused' | 'dns' | 'tls' | 'timeout' | 'network' | 'http_error' | 'bad_response';

const STATUS: Record<FailureReason, number> = {
	bad_key: 502,
	refused: 502,
	dns: 502,
	tls: 502,
	timeout: 504,
	network: 502,
	http_error: 502,
	bad_response: 502
};

/** A backend that could not serve a request; `/v1` shows it in the calling API's envelope. */
export class BackendError extends AppError {
	readonly reason: FailureReason;
	/** The backend's own status, when it answered. */
	readonly upstreamStatus: number | null;
	constructor(backend: string, reason: FailureReason, detail: string, upstreamStatus: number | null = null, headers?: Record<string, string>) {
		// The backend refusing the request itself (bad input, unknown model, rate limit) keeps its status.
		const passStatus = upstreamStatus !== null && upstreamStatus >= 400 && upstreamStatus < 500 && reason === 'http_error';
		super(passStatus ? upstreamStatus : STATUS[reason], `backend_${reason}`, `Backend '${backend}': ${detail}`, { headers });
		this.reason = reason;
		this.upstreamStatus = upstreamStatus;
	}

	/** Worth trying the fallback: the backend is unreachable, failing, refusing our key or rate-limiting. */
	get retryable(): boolean {
		return this.reason !== 'http_error' || this.upstreamStatus === null || this.upstreamStatus >= 500 || this.upstreamStatus === 429;
	}

	/** Counts against the backend's health (a rate limit or a refused request does not). */
	get unhealthy(): boolean {
		return this.retryable && this.upstreamStatus !== 429;
	}
}

/** `<base>/<path>`: an OpenAI-compatible base URL ends in `/v1` already, Anthropic's does not. */
export function upstreamUrl(entry: BackendEntry, path: string): string {
	return entry.row.kind === 'anthropic' ? `${entry.row.baseUrl}/v1${path}` : `${entry.row.baseUrl}${path}`;
}

export function upstreamHeaders(entry: BackendEntry, requestId?: string): Record<string, string> {
	const headers: Record<string, string> = { ...entry.headers, accept: 'application/json, text/event-stream', 'content-type': 'application/json' };
	if (entry.row.kind === 'anthropic') {
		headers['anthropic-version'] = ANTHROPIC_VERSION;
		if (entry.apiKey) headers['x-api-key'] = entry.apiKey;
	} else if (entry.apiKey) {
		headers.authorization = `Bearer ${entry.apiKey}`;
	}
	if (requestId) headers['x-request-id'] = requestId;
	return headers;
}

class TimeoutReason extends Error {}

function networkReason(err: unknown): { reason: FailureReason; detail: string } {
	const failure = err as { code?: string; message?: string } | undefined;
	const code = failure?.code ?? '';
	if (code === 'ECONNREFUSED') return { reason: 'refused', detail: 'connection refused' };
	if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { reason: 'dns', detail: 'the host name does not resolve' };
	if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/i.test(code) || /certificate|ssl|tls/i.test(failure?.message ?? '')) {
		return { reason: 'tls', detail: `TLS failed: ${failure?.message ?? code}` };
	}
	return { reason: 'network', detail: `the connection failed: ${failure?.message ?? code ?? String(err)}` };
}

/** The message of an error body in any of the usual shapes. */
export function errorMessageOf(text: string): string {
	try {
		const body = JSON.parse(text);
		const message = body?.error?.message ?? body?.message ?? body?.detail ?? (typeof body?.error === 'string' ? body.error : null);
		if (typeof message === 'string' && message) return message.slice(0, 300);
	} catch {
		// not JSON
	}
	return text.replace(/\s+/g, ' ').trim().slice(0, 300) || 'no details';
}

export type SendOptions = { method?: 'GET' | 'POST'; body?: string; signal?: AbortSignal; timeoutMs?: number; requestId?: string };

/**
 * Sends one request and resolves once the backend's answer starts (2xx), its body unread. The
 * timeout covers connecting until the headers arrive; the caller's signal (the client leaving, the
 * request time limit) aborts it at any point, the body stream included.
 */
export async function send(entry: BackendEntry, path: string, options: SendOptions = {}): Promise<UpstreamResponse> {
	const name = entry.row.name;
	const timeoutMs = options.timeoutMs ?? entry.row.timeoutMs;
	let res: UpstreamResponse;
	try {
		res = await request(upstreamUrl(entry, path), {
			method: options.method ?? 'POST',
			headers: upstreamHeaders(entry, options.requestId),
			body: options.body,
			signal: options.signal,
			timeoutMs,
			onTimeout: () => new TimeoutReason()
		});
	} catch (err) {
		if (options.signal?.aborted) throw options.signal.reason;
		if (err instanceof TimeoutReason) throw new BackendError(name, 'timeout', `no answer within ${timeoutMs / 1000} s`);
		const { reason, detail } = networkReason(err);
		throw new BackendError(name, reason, detail);
	}
	if (res.ok) return res;
	const text = await res.text().catch(() => '');
	if (res.status === 401 || res.status === 403) {
		throw new BackendError(name, 'bad_key', `the API key was refused (${res.status}: ${errorMessageOf(text)})`, res.status);
	}
	if (res.status >= 300 && res.status < 400) {
		throw new BackendError(name, 'http_error', `redirected to ${res.headers.get('location') ?? 'elsewhere'}: use the final address as the base URL`, 502);
	}
	// A rate limit says when to try again: the client hears it too.
	const retryAfter = res.status === 429 ? res.headers.get('retry-after') : null;
	throw new BackendError(name, 'http_error', `${res.status}: ${errorMessageOf(text)}`, res.status, retryAfter ? { 'Retry-After': retryAfter } : undefined);
}

/** Reads a JSON answer; one that is not JSON is a `bad_response`. */
export async function readJsonBody(entry: BackendEntry, res: UpstreamResponse): Promise<any> {
	const text = await res.text();
	try {
		return JSON.parse(text);
	} catch {
		throw new BackendError(entry.row.name, 'bad_response', `the answer is not JSON: ${text.slice(0, 100)}`);
	}
}
