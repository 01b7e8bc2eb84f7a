import { getConfig } from '../config';
import { ForbiddenError, RateLimitedError, UnauthorizedError } from '../http/errors';
import { singleton } from '../http/singleton';
import { notifySessionEnded } from './events';
import { verifyAgainstDummy, verifyPassword } from './password';
import { RateLimiter } from './rate-limit';
import { createSession, invalidateSession } from './session';
import { createAccessToken } from './tokens';
import type { UserPublic } from './types';
import { findUserByEmail, toUserPublic } from './users';

const WINDOW_MS = 15 * 60_000;
const limiters = singleton('login-limiters', () => ({
	byEmail: new RateLimiter({ max: 5, windowMs: WINDOW_MS }),
	byIp: new RateLimiter({ max: 30, windowMs: WINDOW_MS })
}));

export type LoginResult = {
	access_token: string;
	token_type: 'bearer';
	expires_at: string;
	user: UserPublic;
	sessionId: string;
};

/**
 * Checks a password login; wrong email and wrong password answer alike. `userAgent` labels the
 * session in its owner's session list.
 */
export async function login(email: string, password: string, ip: string, userAgent: string | null = null): Promise<LoginResult> {
	const normalized = email.trim().toLowerCase();
	const emailKey = `email:${normalized}`;
	const ipKey = `ip:${ip}`;
	const wait = Math.max(limiters.byEmail.check(emailKey), limiters.byIp.check(ipKey));
	if (wait > 0) throw new RateLimitedError(wait);

	const user = await findUserByEmail(normalized);
	const ok = user ? await verifyPassword(user.passwordHash, password) : (await verifyAgainstDummy(password), false);
	if (!user || !ok) {
		limiters.byEmail.fail(emailKey);
		limiters.byIp.fail(ipKey);
		throw new UnauthorizedError('Incorrect email or password', 'invalid_credentials');
	}
	if (user.status === 'pending') throw new ForbiddenError('Account pending approval', 'account_pending');
	if (user.status === 'disabled') throw new ForbiddenError('Account disabled', 'account_disabled');
	limiters.byEmail.reset(emailKey);

	const session = await createSession(user.id, userAgent);
	const accessToken = await createAccessToken(
		{ userId: user.id, email: user.email, sessionId: session.id, expiresAt: session.expiresAt },
		getConfig().jwtSecret
	);
	return {
		access_token: accessToken,
		token_type: 'bearer',
		expires_at: session.expiresAt.toISOString(),
		user: toUserPublic(user),
		sessionId: session.id
	};
}

/** Ends a session; every access token made from it stops working at once. */
export async function logout(sessionId: string): Promise<void> {
	await invalidateSession(sessionId);
	notifySessionEnded(sessionId);
}
