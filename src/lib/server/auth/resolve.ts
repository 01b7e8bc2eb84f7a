import { getConfig } from '../config';
import { touchSession } from './account';
import { API_KEY_PREFIX, findApiKey, touchApiKey } from './api-keys';
import { validateSession } from './session';
import { looksLikeJwt, verifyAccessToken } from './tokens';
import type { Caller } from './types';

/** The credentials a request carries, already pulled out of cookie, header and query. */
export type Credentials = {
	sessionId?: string | null;
	bearer?: string | null;
	/** `?token=`; only passed for stream endpoints. */
	queryToken?: string | null;
};

export type Resolution = {
	caller: Caller | null;
	/** A credential was presented and none of them was valid. */
	invalid: boolean;
	/** A session cookie that should be re-sent with a later expiry (Lucia's sliding sessions). */
	refreshCookie: boolean;
	/** The cookie named a session that no longer exists or no longer grants access. */
	clearCookie: boolean;
};

/** Stream endpoints: the only places where `?token=` is accepted. */
const STREAM_PATHS = [/^\/api\/models\/download\/[^/]+\/progress$/, /^\/api\/system\/ws\/audit-logs$/];

export function isStreamPath(pathname: string): boolean {
	return STREAM_PATHS.some((re) => re.test(pathname));
}

export function bearerFrom(header: string | null | undefined): string | null {
	const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
	return match ? match[1] : null;
}

/**
 * The token a request carries in a header: `Authorization: Bearer …`, else `x-api-key` (how
 * Anthropic's clients send a key). Either holds an API key or an access token.
 */
export function headerTokenFrom(headers: Headers): string | null {
	const bearer = bearerFrom(headers.get('authorization'));
	if (bearer) return bearer;
	const key = headers.get('x-api-key')?.trim();
	return key && !/\s/.test(key) ? key : null;
}

async function fromSession(sessionId: string, method: Caller['method']) {
	const { session, user } = await validateSession(sessionId);
	if (!session || !user || user.status !== 'approved') return { caller: null, fresh: false };
	touchSession(session.id, session.lastSeenAt);
	const caller: Caller = {
		user: { id: user.id, email: user.email, isAdmin: user.isAdmin },
		sessionId: session.id,
		apiKeyId: null,
		allowedModels: null,
		method
	};
	return { caller, fresh: session.fresh };
}

async function fromAccessToken(token: string, method: Caller['method']): Promise<Caller | null> {
	const check = await verifyAccessToken(token, getConfig().jwtSecret);
	if (!check.ok) return null;
	const { caller } = await fromSession(check.claims.sid, method);
	// The token must belong to the session's own user.
	return caller && caller.user.id === check.claims.sub ? caller : null;
}

async function fromApiKey(key: string): Promise<Caller | null> {
	const found = await findApiKey(key);
	if (!found || found.user.status !== 'approved') return null;
	touchApiKey(found.key.id, found.key.lastUsedAt);
	return {
		user: { id: found.user.id, email: found.user.email, isAdmin: found.user.isAdmin },
		sessionId: null,
		apiKeyId: found.key.id,
		allowedModels: found.key.allowedModels ?? null,
		method: 'api_key'
	};
}

/**
 * The one token validator: session cookie, then `Authorization: Bearer` (access token or API key),
 * then `?token=` (access token, stream endpoints only). The first valid credential wins.
 */
export async function resolveCaller(credentials: Credentials): Promise<Resolution> {
	const result: Resolution = { caller: null, invalid: false, refreshCookie: false, clearCookie: false };
	let presented = false;

	if (credentials.sessionId) {
		presented = true;
		const { caller, fresh } = await fromSession(credentials.sessionId, 'cookie');
		if (caller) return { ...result, caller, refreshCookie: fresh };
		result.clearCookie = true;
	}
	if (credentials.bearer) {
		presented = true;
		const token = credentials.bearer;
		const caller = token.startsWith(API_KEY_PREFIX)
			? await fromApiKey(token)
			: looksLikeJwt(token)
				? await fromAccessToken(token, 'bearer')
				: null;
		if (caller) return { ...result, caller };
	}
	if (credentials.queryToken) {
		presented = true;
		const caller = looksLikeJwt(credentials.queryToken)
			? await fromAccessToken(credentials.queryToken, 'query')
			: null;
		if (caller) return { ...result, caller };
	}
	return { ...result, invalid: presented };
}
