import { reachability } from './reachability.svelte';

/** Same-origin calls to the app's own `/api` (the session cookie is sent by the browser). */
export class ApiError extends Error {
	constructor(
		readonly status: number,
		message: string,
		readonly code: string | null,
		readonly retryAfter: number | null = null,
		/** Per-field problems of a 400 (`[{path, message}]`). */
		readonly issues: { path: string; message: string }[] = []
	) {
		super(message);
	}
}

export async function apiFetch<T = unknown>(
	path: string,
	options: { method?: string; body?: unknown; fetch?: typeof fetch } = {}
): Promise<T> {
	const doFetch = options.fetch ?? fetch;
	let response: Response;
	try {
		response = await doFetch(path, {
			method: options.method ?? 'GET',
			headers: options.body !== undefined ? { 'content-type': 'application/json' } : {},
			body: options.body !== undefined ? JSON.stringify(options.body) : undefined
		});
	} catch (err) {
		if (err instanceof DOMException && err.name === 'AbortError') throw err;
		// No answer at all: the layout shows one "server unreachable" state for every page.
		reachability.markDown();
		throw new ApiError(0, 'The server could not be reached.', 'unreachable');
	}
	reachability.markUp();
	if (response.status === 204) return undefined as T;
	const data = await response.json().catch(() => null);
	if (!response.ok) {
		const retry = response.headers.get('retry-after');
		throw new ApiError(
			response.status,
			data?.detail ?? data?.error?.message ?? `Request failed (${response.status})`,
			data?.code ?? null,
			retry ? Number(retry) : null,
			Array.isArray(data?.issues) ? data.issues : []
		);
	}
	return data as T;
}

export function formatBytes(bytes: number): string {
	if (!Number.isFinite(bytes) || bytes <= 0) return '0 B';
	const units = ['B', 'KB', 'MB', 'GB', 'TB'];
	const i = Math.min(units.length - 1, Math.floor(Math.log(bytes) / Math.log(1024)));
	return `${(bytes / 1024 ** i).toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function formatDate(iso: string | null | undefined): string {
	return iso ? new Date(iso).toLocaleString() : '—';
}
