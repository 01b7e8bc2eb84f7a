import { randomUUID } from 'node:crypto';
import type { RequestEvent } from '@sveltejs/kit';
import { getConfig } from '../config';
import { openAiError } from './openai-errors';

/**
 * What every `/v1` response carries, whatever answered it (a route, the credential check, SvelteKit
 * itself): an `x-request-id`, CORS headers for allowed browser origins, and errors in the JSON
 * envelope (a 405 too). Preflight requests are answered here, before any credential check.
 */

export function isV1Path(path: string): boolean {
	return path === '/v1' || path.startsWith('/v1/');
}

/** A client's own request id is used when it is safe to echo and to store. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id of a `/v1` request: the client's `X-Request-Id` when safe, else a new one. */
export function requestIdFor(request: Request): string {
	const own = request.headers.get('x-request-id');
	return own && SAFE_REQUEST_ID.test(own) ? own : randomUUID().replaceAll('-', '');
}

/** Whether an origin matches the allow-list (`*`, exact origins, or `scheme://host:*` for any port). */
export function originAllowed(origin: string, allowed: readonly string[]): boolean {
	let url: URL;
	try {
		url = new URL(origin);
	} catch {
		return false;
	}
	if (url.origin !== origin) return false;
	return allowed.some((pattern) => {
		if (pattern === '*') return true;
		if (pattern.endsWith(':*')) {
			const base = pattern.slice(0, -2);
			return `${url.protocol}//${url.hostname}` === base || (url.port === '' && url.origin === base);
		}
		return pattern === origin;
	});
}

const ALLOWED_METHODS = 'GET, POST, OPTIONS';
const DEFAULT_ALLOWED_HEADERS = 'authorization, content-type, x-api-key, x-request-id, openai-organization, openai-project';
const SAFE_HEADER_LIST = /^[A-Za-z0-9-]+(\s*,\s*[A-Za-z0-9-]+)*$/;

function corsHeaders(origin: string, wildcard: boolean): Record<string, string> {
	return {
		'access-control-allow-origin': wildcard ? '*' : origin,
		'access-control-expose-headers': 'x-request-id',
		vary: 'Origin'
	};
}

/** The allowed-origin headers for a request from `origin`, or null when it is not allowed. */
function corsFor(request: Request): Record<string, string> | null {
	const origin = request.headers.get('origin');
	if (!origin) return null;
	const allowed = getConfig().corsOrigins;
	if (!originAllowed(origin, allowed)) return null;
	return corsHeaders(origin, allowed.includes('*'));
}

/** Whether a browser on another origin sent this request (it may then authenticate only by header). */
export function isCrossOrigin(event: RequestEvent): boolean {
	const origin = event.request.headers.get('origin');
	return origin !== null && origin !== event.url.origin;
}

/** Answers a CORS preflight on `/v1`: 204 with the allowed methods and headers, or 403 when the origin is not allowed. */
export function answerPreflight(event: RequestEvent): Response | null {
	const { request } = event;
	if (request.method !== 'OPTIONS' || !isV1Path(event.url.pathname) || !request.headers.get('access-control-request-method')) return null;
	const requestId = requestIdFor(request);
	const cors = corsFor(request);
	if (!cors) {
		const refused = openAiError(403, `Origin ${request.headers.get('origin') ?? '(none)'} may not call /v1 (LLM_MANAGER_CORS_ORIGINS)`, 'origin_not_allowed');
		refused.headers.set('x-request-id', requestId);
		refused.headers.set('vary', 'Origin');
		return refused;
	}
	const asked = request.headers.get('access-control-request-headers');
	return new Response(null, {
		status: 204,
		headers: {
			...cors,
			'access-control-allow-methods': ALLOWED_METHODS,
			'access-control-allow-headers': asked && SAFE_HEADER_LIST.test(asked) ? asked : DEFAULT_ALLOWED_HEADERS,
			'access-control-max-age': '600',
			'x-request-id': requestId
		}
	});
}

/** Adds what every `/v1` response carries; a non-JSON 405 becomes the JSON envelope. */
export function finishV1Response(event: RequestEvent, response: Response): Response {
	if (!isV1Path(event.url.pathname)) return response;
	let out = response;
	if (response.status === 405 && !response.headers.get('content-type')?.includes('json')) {
		out = openAiError(405, `Method ${event.request.method} is not allowed on ${event.url.pathname}`, 'method_not_allowed');
		const allow = response.headers.get('allow');
		if (allow) out.headers.set('allow', allow);
	}
	const tag = (headers: Headers) => {
		if (!headers.has('x-request-id')) headers.set('x-request-id', requestIdFor(event.request));
		const cors = corsFor(event.request);
		if (cors) for (const [name, value] of Object.entries(cors)) headers.set(name, value);
	};
	try {
		tag(out.headers);
	} catch {
		// Immutable headers (a response from `fetch`): copy them into a new one.
		out = new Response(out.body, out);
		tag(out.headers);
	}
	return out;
}
