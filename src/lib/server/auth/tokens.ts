import { SignJWT, errors, jwtVerify } from 'jose';

export type AccessClaims = { sub: string; email: string; sid: string; exp: number };

/**
 * The HMAC key for a secret, imported once: every authenticated request verifies a token, and
 * importing the raw secret each time was most of the verification's cost.
 */
const keys = new Map<string, Promise<CryptoKey>>();
function key(secret: string): Promise<CryptoKey> {
	let found = keys.get(secret);
	if (!found) {
		const raw = new TextEncoder().encode(secret);
		found = crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
		keys.set(secret, found);
	}
	return found;
}

/** An HS256 access token bound to a session; it expires with the session. */
export async function createAccessToken(
	claims: { userId: string; email: string; sessionId: string; expiresAt: Date },
	secret: string
): Promise<string> {
	return new SignJWT({ email: claims.email, sid: claims.sessionId })
		.setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
		.setSubject(claims.userId)
		.setIssuedAt()
		.setExpirationTime(Math.floor(claims.expiresAt.getTime() / 1000))
		.sign(await key(secret));
}

export type TokenCheck = { ok: true; claims: AccessClaims } | { ok: false; reason: 'expired' | 'invalid' };

/**
 * Tokens whose signature and claims were checked, per secret: a token is sent with every request of
 * a client, and its check (an HMAC on the thread pool) was a third of an authenticated request's
 * fixed cost. Only valid tokens are kept, at most `VERIFIED_MAX` (the oldest go first); expiry is
 * checked again on every use. The session behind a token is still looked up every time.
 */
const VERIFIED_MAX = 1024;
const verified = new Map<string, Map<string, AccessClaims>>();

function remember(secret: string, token: string, claims: AccessClaims): void {
	let known = verified.get(secret);
	if (!known) verified.set(secret, (known = new Map()));
	if (known.size >= VERIFIED_MAX) known.delete(known.keys().next().value!);
	known.set(token, claims);
}

/** Checks signature, algorithm, expiry and claim shapes. Session and user checks come after. */
export async function verifyAccessToken(token: string, secret: string): Promise<TokenCheck> {
	const known = verified.get(secret)?.get(token);
	if (known) return known.exp * 1000 > Date.now() ? { ok: true, claims: known } : { ok: false, reason: 'expired' };
	try {
		const { payload } = await jwtVerify(token, await key(secret), { algorithms: ['HS256'] });
		const { sub, email, sid, exp } = payload;
		if (typeof sub !== 'string' || typeof email !== 'string' || typeof sid !== 'string' || typeof exp !== 'number') {
			return { ok: false, reason: 'invalid' };
		}
		const claims = { sub, email, sid, exp };
		remember(secret, token, claims);
		return { ok: true, claims };
	} catch (err) {
		return { ok: false, reason: err instanceof errors.JWTExpired ? 'expired' : 'invalid' };
	}
}

/** JWTs are three base64url parts; API keys start with `llm_`. */
export function looksLikeJwt(token: string): boolean {
	return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
}
