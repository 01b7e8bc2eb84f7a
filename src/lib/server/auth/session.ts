import { DrizzleSQLiteAdapter } from '@lucia-auth/adapter-drizzle';
import { eq, sql } from 'drizzle-orm';
import { Lucia, TimeSpan, type DatabaseSession, type DatabaseUser } from 'lucia';
import { getConfig } from '../config';
import { getDb, schema, type Database } from '../db';
import { preparedRead } from '../db/reads';
import { singleton } from '../http/singleton';

const sessionAndUser = preparedRead((db) => {
	const { sessions, users } = schema;
	return db
		.select({ session: sessions, user: users })
		.from(sessions)
		.innerJoin(users, eq(sessions.userId, users.id))
		.where(eq(sessions.id, sql.placeholder('id')))
		.prepare();
});

/**
 * Lucia's Drizzle adapter, reading a session and its user in one statement prepared once (on the read
 * connection): every authenticated request asks for them (the stock adapter builds and runs two queries).
 */
class SessionAdapter extends DrizzleSQLiteAdapter {
	constructor(db: Database) {
		super(db, schema.sessions, schema.users);
	}

	override async getSessionAndUser(sessionId: string): Promise<[DatabaseSession | null, DatabaseUser | null]> {
		const row = await sessionAndUser().get({ id: sessionId });
		if (!row) return [null, null];
		const { id, userId, expiresAt, ...sessionAttributes } = row.session;
		const { id: uid, ...userAttributes } = row.user;
		return [
			{ id, userId, expiresAt: new Date(expiresAt * 1000), attributes: sessionAttributes },
			{ id: uid, attributes: userAttributes }
		];
	}
}

export const SESSION_COOKIE = 'llm_manager_session';

function createLucia() {
	const adapter = new SessionAdapter(getDb());
	return new Lucia(adapter, {
		sessionExpiresIn: new TimeSpan(getConfig().jwtExpireDays * 24, 'h'),
		sessionCookie: {
			name: SESSION_COOKIE,
			// `secure` is decided per request from the protocol the app is served over.
			attributes: { secure: false, sameSite: 'lax' }
		},
		getSessionAttributes: (attributes) => ({
			userAgent: attributes.userAgent ?? null,
			createdAt: attributes.createdAt ?? null,
			lastSeenAt: attributes.lastSeenAt ?? null
		}),
		getUserAttributes: (attributes) => ({
			email: attributes.email,
			isAdmin: Boolean(attributes.isAdmin),
			status: attributes.status
		})
	});
}

export function getLucia() {
	return singleton('lucia', createLucia);
}

declare module 'lucia' {
	interface Register {
		Lucia: ReturnType<typeof createLucia>;
		DatabaseUserAttributes: Omit<schema.User, 'id'>;
		DatabaseSessionAttributes: Pick<schema.Session, 'userAgent' | 'createdAt' | 'lastSeenAt'>;
	}
}

/** Longest User-Agent kept for the account page's session list. */
const USER_AGENT_MAX = 512;

export async function createSession(userId: string, userAgent: string | null = null) {
	const now = new Date();
	return getLucia().createSession(userId, {
		userAgent: userAgent ? userAgent.slice(0, USER_AGENT_MAX) : null,
		createdAt: now,
		lastSeenAt: now
	});
}

/** The session and its user, or nulls when the session is unknown or expired. */
export async function validateSession(sessionId: string) {
	return getLucia().validateSession(sessionId);
}

export async function invalidateSession(sessionId: string): Promise<void> {
	await getLucia().invalidateSession(sessionId);
}

export async function invalidateUserSessions(userId: string): Promise<void> {
	await getLucia().invalidateUserSessions(userId);
}

export type CookieSpec = { name: string; value: string; attributes: Record<string, unknown> };

/** The Set-Cookie pieces for a session, `Secure` when served over https. */
export function sessionCookie(sessionId: string, secure: boolean): CookieSpec {
	const cookie = getLucia().createSessionCookie(sessionId);
	return { name: cookie.name, value: cookie.value, attributes: { ...cookie.attributes, secure } };
}

export function blankSessionCookie(secure: boolean): CookieSpec {
	const cookie = getLucia().createBlankSessionCookie();
	return { name: cookie.name, value: cookie.value, attributes: { ...cookie.attributes, secure } };
}
