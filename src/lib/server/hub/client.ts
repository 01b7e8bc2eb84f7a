/**
 * The Hugging Face Hub over HTTP: base URL from `HF_ENDPOINT`, `HF_TOKEN` as a Bearer token (sent to the
 * Hub's origin only, see `fetch.ts` and `stream.ts`), and `LLM_MANAGER_OFFLINE`. Failures become typed errors the API maps to statuses: unreachable or 5xx
 * → 502 `hub_unavailable`, 401/403 → 403 `hub_access_denied`, 404 → 404 `hub_not_found`, offline → 503.
 */
import { getConfig } from '../config';
import { AppError, BadGatewayError, NotFoundError, ServiceUnavailableError } from '../http/errors';
import { currentHubToken } from './token';


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
		super(403, 'hub_access_denied', `The Hub refused access to ${what} (gated or private: save a Hub token with access in Settings, or set HF_TOKEN)`);
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
	const token = currentHubToken();
	return { 'user-agent': 'llm-manager', ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra };
}

export function assertOnline(): void {
	if (getConfig().offline) throw new HubOfflineError();
}
