import { getConfig } from '../config';
import { ForbiddenError, UnauthorizedError } from '../http/errors';
import { notifySessionEnded } from './events';
import { verifyAgainstDummy, verifyPassword } from './password';
import { createSession, invalidateSession } from './session';
import { awaitLoginTurn, recordLoginFailure, recordLoginSuccess } from './throttle';
import { createAccessToken } from './tokens';
import type { UserPublic } from './types';
import { findUserByEmail, toUserPublic } from './users';

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
	await awaitLoginTurn(normalized, ip);

	const user = await findUserByEmail(normalized);
	const ok = user ? await verifyPassword(user.passwordHash, password) : (await verifyAgainstDummy(password), false);
	if (!user || !ok) {
		recordLoginFailure(normalized, ip);
		throw new UnauthorizedError('Incorrect email or password', 'invalid_credentials');
	}
	if (user.status === 'pending') throw new ForbiddenError('Account pending approval', 'account_pending');
	if (user.status === 'disabled') throw new ForbiddenError('Account disabled', 'account_disabled');
	recordLoginSuccess(normalized, ip);

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
