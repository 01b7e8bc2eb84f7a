/**
 * Self-service for the signed-in user: their own password and their own sign-in sessions.
 */
import { createHash } from 'node:crypto';
import Bowser from 'bowser';
import { and, eq, ne } from 'drizzle-orm';
import { getDb, schema } from '../db';
import { BadRequestError, NotFoundError, RateLimitedError } from '../http/errors';
import { singleton } from '../http/singleton';
import { notifySessionEnded } from './events';
import { hashPassword, verifyPassword } from './password';
import { RateLimiter } from './rate-limit';
import { invalidateSession } from './session';
import { findUser } from './users';

/** A session as its owner sees it. `id` is a digest: the session id itself is a credential. */
export type SessionPublic = {
	id: string;
	browser: string;
	user_agent: string | null;
	created_at: string | null;
	last_seen_at: string | null;
	expires_at: string;
	current: boolean;
};

const wrongPasswords = singleton(
	'password-change-limiter',
	() => new RateLimiter({ max: 5, windowMs: 15 * 60_000 })
);

/** The public handle of a session: stable, unguessable, and useless as a credential. */
export function sessionHandle(sessionId: string): string {
	return createHash('sha256').update(sessionId).digest('base64url').slice(0, 22);
}

/** "Firefox 128 on Linux"; "Unknown browser" when there is nothing to go by. */
export function describeBrowser(userAgent: string | null): string {
	if (!userAgent) return 'Unknown browser';
	const { browser, os } = Bowser.parse(userAgent);
	const name = browser.name ? [browser.name, browser.version?.split('.')[0]].filter(Boolean).join(' ') : null;
	if (!name) return userAgent.length > 60 ? `${userAgent.slice(0, 57)}…` : userAgent;
	return os.name ? `${name} on ${os.name}` : name;
}

export async function listOwnSessions(userId: string, currentSessionId: string | null): Promise<SessionPublic[]> {
	const now = Math.floor(Date.now() / 1000);
	const rows = await getDb().select().from(schema.sessions).where(eq(schema.sessions.userId, userId));
	return rows
		.filter((row) => row.expiresAt > now)
		.map((row) => ({
			id: sessionHandle(row.id),
			browser: describeBrowser(row.userAgent),
			user_agent: row.userAgent,
			created_at: row.createdAt?.toISOString() ?? null,
			last_seen_at: row.lastSeenAt?.toISOString() ?? null,
			expires_at: new Date(row.expiresAt * 1000).toISOString(),
			current: row.id === currentSessionId
		}))
		.sort((a, b) => Number(b.current) - Number(a.current) || (b.last_seen_at ?? '').localeCompare(a.last_seen_at ?? ''));
}

/** Ends one of the caller's own sessions; another user's session is "not found". */
export async function endOwnSession(userId: string, handle: string): Promise<void> {
	const rows = await getDb()
		.select({ id: schema.sessions.id })
		.from(schema.sessions)
		.where(eq(schema.sessions.userId, userId));
	const match = rows.find((row) => sessionHandle(row.id) === handle);
	if (!match) throw new NotFoundError('Session not found', 'session_not_found');
	await invalidateSession(match.id);
	notifySessionEnded(match.id);
}

/**
 * Changes the caller's password after checking the current one, then ends every other session of
 * theirs (the one making the change stays signed in). API keys are separate credentials and stay.
 */
export async function changeOwnPassword(
	userId: string,
	currentSessionId: string | null,
	currentPassword: string,
	newPassword: string
): Promise<{ ended_sessions: number }> {
	const wait = wrongPasswords.check(userId);
	if (wait > 0) throw new RateLimitedError(wait);
	const user = await findUser(userId);
	if (!user) throw new NotFoundError('User not found', 'user_not_found');
	if (!(await verifyPassword(user.passwordHash, currentPassword))) {
		wrongPasswords.fail(userId);
		throw new BadRequestError('The current password is not correct', 'wrong_password');
	}
	wrongPasswords.reset(userId);
	const passwordHash = await hashPassword(newPassword);
	const db = getDb();
	await db.update(schema.users).set({ passwordHash }).where(eq(schema.users.id, userId));
	const others = currentSessionId
		? and(eq(schema.sessions.userId, userId), ne(schema.sessions.id, currentSessionId))
		: eq(schema.sessions.userId, userId);
	const ended = await db.delete(schema.sessions).where(others).returning({ id: schema.sessions.id });
	for (const { id } of ended) notifySessionEnded(id);
	return { ended_sessions: ended.length };
}

const TOUCH_INTERVAL_MS = 60_000;

/** Records that a session was used; writes at most once a minute per session. */
export function touchSession(sessionId: string, lastSeenAt: Date | null): void {
	const now = Date.now();
	if (lastSeenAt && now - lastSeenAt.getTime() < TOUCH_INTERVAL_MS) return;
	getDb()
		.update(schema.sessions)
		.set({ lastSeenAt: new Date(now) })
		.where(eq(schema.sessions.id, sessionId))
		.catch(() => {
			// best effort: a missed "last seen" is harmless
		});
}
