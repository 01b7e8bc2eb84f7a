import { json, type RequestEvent } from '@sveltejs/kit';
import {
	SESSION_COOKIE,
	blankSessionCookie,
	headerTokenFrom,
	isStreamPath,
	resolveCaller,
	sessionCookie
} from '../auth';
import { anthropicError, isAnthropicPath } from '../anthropic/errors';
import { openAiError } from './openai-errors';

/** `/api` routes that answer without a credential (an invalid one is ignored there too). */
const PUBLIC_API = new Set(['/api/auth/login', '/api/auth/register', '/api/openapi.json']);
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function isApiPath(path: string): boolean {
	return path === '/api' || path.startsWith('/api/');
}
function isV1Path(path: string): boolean {
	return path === '/v1' || path.startsWith('/v1/');
}

function apiError(status: number, detail: string, code: string, v1: boolean, path = ''): Response {
	if (v1 && isAnthropicPath(path)) return anthropicError(status, detail);
	if (v1) return openAiError(status, detail, code);
	const headers: Record<string, string> = status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {};
	return json({ detail, code }, { status, headers });
}

function clearedCookieHeader(secure: boolean): string {
	const blank = blankSessionCookie(secure);
	return `${blank.name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/** A browser request from another site (the only kind that can carry our cookie without our page). */
function isCrossSite(event: RequestEvent): boolean {
	const { request, url } = event;
	const fetchSite = request.headers.get('sec-fetch-site');
	if (fetchSite === 'cross-site' || fetchSite === 'same-site') return true;
	const origin = request.headers.get('origin');
	if (!origin) return false;
	if (origin === url.origin) return false;
	try {
		return new URL(origin).host !== request.headers.get('host');
	} catch {
		return true;
	}
}

/**
 * The one token validator. Resolves the caller into `event.locals.caller` (cookie → Bearer →
 * `?token=` on stream endpoints only) and answers early for what must never reach a route: unknown
 * API paths (JSON 404), invalid credentials (401) and cross-site mutations riding on a cookie (403).
 */
export async function authenticate(event: RequestEvent): Promise<Response | null> {
	const path = event.url.pathname;
	const api = isApiPath(path);
	const v1 = isV1Path(path);
	event.locals.caller = null;

	if ((api || v1) && event.route.id === null) {
		return apiError(404, v1 ? `Invalid URL (${event.request.method} ${path})` : `Not found: ${path}`, v1 ? 'unknown_url' : 'not_found', v1, path);
	}

	const secure = event.url.protocol === 'https:';
	// A page on another origin may call /v1 (CORS) but only with a key it holds: never by our cookie.
	const cookieAllowed = !(v1 && isCrossSite(event));
	const resolution = await resolveCaller({
		sessionId: cookieAllowed ? (event.cookies.get(SESSION_COOKIE) ?? null) : null,
		bearer: headerTokenFrom(event.request.headers),
		queryToken: isStreamPath(path) ? event.url.searchParams.get('token') : null
	});
	if (resolution.clearCookie && !resolution.caller) {
		const blank = blankSessionCookie(secure);
		event.cookies.set(blank.name, blank.value, { ...blank.attributes, path: '/' });
	}
	if (resolution.refreshCookie && resolution.caller?.sessionId) {
		const cookie = sessionCookie(resolution.caller.sessionId, secure);
		event.cookies.set(cookie.name, cookie.value, { ...cookie.attributes, path: '/' });
	}
	event.locals.caller = resolution.caller;

	// Requests that carry an Authorization header cannot be forged by another site's page; anything
	// else (a cookie, or a login form) must come from our own origin — page form actions too (the
	// sign-in page's), which SvelteKit's own check, switched off in svelte.config.js, would cover.
	const headerAuth = resolution.caller !== null && resolution.caller.method !== 'cookie';
	if (MUTATING.has(event.request.method) && !headerAuth && isCrossSite(event)) {
		return apiError(403, 'Cross-site request refused', 'cross_site_request', v1, path);
	}
	// A key limited to some models must not widen itself (mint an unlimited key, repoint a profile it
	// may use at another model): on /api it may only read.
	if (api && MUTATING.has(event.request.method) && resolution.caller?.allowedModels) {
		return apiError(403, 'This API key is limited to some models: it may only read under /api', 'restricted_api_key', false);
	}
	if (resolution.invalid && !resolution.caller && (api || v1) && !PUBLIC_API.has(path)) {
		const refused = apiError(401, 'Invalid or expired credentials', v1 ? 'invalid_api_key' : 'invalid_credentials', v1, path);
		// `event.cookies` only reaches responses made by `resolve`: clear a dead cookie here by hand.
		if (resolution.clearCookie) refused.headers.append('set-cookie', clearedCookieHeader(secure));
		return refused;
	}
	return null;
}
