import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The validator end to end over a real embedded database in a temporary directory.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-manager-resolve-'));
process.env.LLM_MANAGER_DATA_DIR = dataDir;
process.env.LLM_MANAGER_JWT_SECRET = 'unit-test-secret-that-is-long-enough-0123456789';
process.env.LLM_MANAGER_MIGRATIONS_DIR = path.resolve('drizzle');

const db = await import('../db');
const auth = await import('./index');
const { createAccessToken } = await import('./tokens');

let seq = 0;
async function approvedUser() {
	const email = `user${++seq}@example.com`;
	const user = await auth.registerUser(email, 'password-123');
	if (user.status !== 'approved') await auth.updateUser(user.id, { status: 'approved' }, user.id);
	const session = await auth.login(email, 'password-123', '127.0.0.1');
	return { user, session };
}

beforeAll(async () => {
	await db.prepareDatabase();
	await approvedUser(); // the first user: the admin
});
afterAll(() => {
	db.closeDatabase();
	fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('resolveCaller', () => {
	it('accepts a session cookie, an access token and an API key', async () => {
		const { user, session } = await approvedUser();
		const key = await auth.createApiKey(user.id, 'k', null);
		for (const credentials of [{ sessionId: session.sessionId }, { bearer: session.access_token }, { bearer: key.key }]) {
			const r = await auth.resolveCaller(credentials);
			expect(r.caller?.user.id).toBe(user.id);
			expect(r.invalid).toBe(false);
		}
	});

	it('marks no credential as anonymous, not invalid', async () => {
		expect(await auth.resolveCaller({})).toMatchObject({ caller: null, invalid: false });
	});

	it('refuses a token after its session was revoked', async () => {
		const { session } = await approvedUser();
		await auth.logout(session.sessionId);
		expect(await auth.resolveCaller({ bearer: session.access_token })).toMatchObject({ caller: null, invalid: true });
		expect(await auth.resolveCaller({ sessionId: session.sessionId })).toMatchObject({ caller: null, invalid: true, clearCookie: true });
	});

	it('refuses a session past its expiry, and extends one in its second half', async () => {
		const { sessions } = db.schema;
		const { session } = await approvedUser();
		const setExpiry = (at: number) => db.getDb().update(sessions).set({ expiresAt: at }).where(eq(sessions.id, session.sessionId));
		const now = Math.floor(Date.now() / 1000);
		await setExpiry(now + 60); // a minute left: well inside the second half
		const fresh = await auth.resolveCaller({ sessionId: session.sessionId });
		expect(fresh).toMatchObject({ invalid: false, refreshCookie: true });
		const [row] = await db.getDb().select().from(sessions).where(eq(sessions.id, session.sessionId));
		expect(row.expiresAt).toBeGreaterThan(now + 3600);
		await setExpiry(now - 1);
		expect(await auth.resolveCaller({ sessionId: session.sessionId })).toMatchObject({ caller: null, invalid: true, clearCookie: true });
		expect(await auth.resolveCaller({ bearer: session.access_token })).toMatchObject({ caller: null, invalid: true });
	});

	it('refuses every credential of a disabled user', async () => {
		const { user, session } = await approvedUser();
		const key = await auth.createApiKey(user.id, 'k', null);
		await auth.updateUser(user.id, { status: 'disabled' }, user.id);
		for (const credentials of [{ sessionId: session.sessionId }, { bearer: session.access_token }, { bearer: key.key }]) {
			expect((await auth.resolveCaller(credentials)).caller).toBeNull();
		}
	});

	it('refuses a validly signed token naming another user for a live session', async () => {
		const a = await approvedUser();
		const b = await approvedUser();
		const forged = await createAccessToken(
			{ userId: b.user.id, email: b.user.email, sessionId: a.session.sessionId, expiresAt: new Date(Date.now() + 60_000) },
			process.env.LLM_MANAGER_JWT_SECRET!
		);
		expect((await auth.resolveCaller({ bearer: forged })).caller).toBeNull();
	});

	it('accepts ?token= only as an access token', async () => {
		const { user, session } = await approvedUser();
		const key = await auth.createApiKey(user.id, 'k', null);
		expect((await auth.resolveCaller({ queryToken: session.access_token })).caller?.method).toBe('query');
		expect(await auth.resolveCaller({ queryToken: key.key })).toMatchObject({ caller: null, invalid: true });
	});
});

describe('isStreamPath', () => {
	it('is true only for the download progress stream and the audit WebSocket', () => {
		expect(auth.isStreamPath('/api/models/download/abc-123/progress')).toBe(true);
		expect(auth.isStreamPath('/api/system/ws/audit-logs')).toBe(true);
		for (const path of ['/api/auth/me', '/api/models/download/abc', '/api/models/download/a/b/progress', '/v1/models', '/api/system/ws/audit-logs/x']) {
			expect(auth.isStreamPath(path), path).toBe(false);
		}
	});
});
