import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, signIn, signUp, startServer, type SignedIn, type TestServer } from '../helpers/server';

let server: TestServer;
let admin: SignedIn;
let seq = 0;
const unique = (name = 'user') => `${name}-${++seq}@example.com`;
const PASSWORD = 'correct-horse-battery';
const MISSING_ID = '00000000-0000-4000-8000-000000000000';

const register = async (email = unique()) =>
	(await call(server, 'POST', '/api/auth/register', { body: { email, password: PASSWORD } })).body;
const put = (id: string, body: unknown, token = admin.token) => call(server, 'PUT', `/api/auth/users/${id}`, { token, body });

beforeAll(async () => {
	server = await startServer();
	admin = await signUp(server, 'root@example.com');
});
afterAll(async () => {
	await server?.stop();
});

describe('listing', () => {
	it('lists users newest first and counts the pending ones', async () => {
		const before = (await call(server, 'GET', '/api/auth/users/pending/count', { token: admin.token })).body.count;
		const a = await register();
		const b = await register();
		const list = await call(server, 'GET', '/api/auth/users', { token: admin.token });
		expect(list.status).toBe(200);
		const ids = list.body.map((u: { id: string }) => u.id);
		expect(ids.indexOf(b.id)).toBeLessThan(ids.indexOf(a.id));
		expect(ids.indexOf(a.id)).toBeLessThan(ids.indexOf(admin.id));
		for (const user of list.body) expect(user).not.toHaveProperty('password_hash');
		const count = await call(server, 'GET', '/api/auth/users/pending/count', { token: admin.token });
		expect(count.body).toEqual({ count: before + 2 });
	});
});

describe('updates', () => {
	it('approval stamps approved_at once and lets the user sign in', async () => {
		const user = await register();
		const approved = await put(user.id, { status: 'approved' });
		expect(approved.status).toBe(200);
		expect(approved.body.status).toBe('approved');
		const stamp = approved.body.approved_at;
		expect(Date.parse(stamp)).toBeGreaterThan(Date.now() - 60_000);
		await put(user.id, { status: 'disabled' });
		const again = await put(user.id, { status: 'approved' });
		expect(again.body.approved_at).toBe(stamp);
		expect((await signIn(server, user.email)).id).toBe(user.id);
	});

	it('changes email (lower-cased) and refuses one already taken with 409', async () => {
		const user = await register();
		const changed = await put(user.id, { email: 'Renamed-User@Example.com' });
		expect(changed.status).toBe(200);
		expect(changed.body.email).toBe('renamed-user@example.com');
		const taken = await put(user.id, { email: 'ROOT@example.com' });
		expect(taken.status).toBe(409);
		const list = await call(server, 'GET', '/api/auth/users', { token: admin.token });
		expect(list.body.find((u: { id: string }) => u.id === user.id).email).toBe('renamed-user@example.com');
	});

	it('refuses unknown fields and bad values with 400', async () => {
		const user = await register();
		expect((await put(user.id, { status: 'superuser' })).status).toBe(400);
		expect((await put(user.id, { password_hash: 'x' })).status).toBe(400);
		expect((await put(user.id, { is_admin: 'yes' })).status).toBe(400);
	});

	it('answers 404 for an unknown id on every user route', async () => {
		expect((await put(MISSING_ID, { status: 'approved' })).status).toBe(404);
		expect((await call(server, 'DELETE', `/api/auth/users/${MISSING_ID}`, { token: admin.token })).status).toBe(404);
		const reset = await call(server, 'POST', `/api/auth/users/${MISSING_ID}/reset-password`, { token: admin.token, body: { password: PASSWORD } });
		expect(reset.status).toBe(404);
	});

	it('resets a password: the old one stops working and old sessions end', async () => {
		const user = await signUp(server, unique(), PASSWORD, admin.token);
		const res = await call(server, 'POST', `/api/auth/users/${user.id}/reset-password`, { token: admin.token, body: { password: 'brand-new-password' } });
		expect(res.status).toBe(200);
		expect((await call(server, 'GET', '/api/auth/me', { token: user.token })).status).toBe(401);
		expect((await call(server, 'POST', '/api/auth/login', { body: { email: user.email, password: PASSWORD } })).status).toBe(401);
		expect((await signIn(server, user.email, 'brand-new-password')).id).toBe(user.id);
		const short = await call(server, 'POST', `/api/auth/users/${user.id}/reset-password`, { token: admin.token, body: { password: 'short' } });
		expect(short.status).toBe(400);
	});
});

describe('the last admin', () => {
	it('cannot be demoted, disabled, set pending or deleted, even by themselves', async () => {
		for (const body of [{ is_admin: false }, { status: 'disabled' }, { status: 'pending' }]) {
			const res = await put(admin.id, body);
			expect(res.status).toBe(400);
			expect(res.body.code).toBe('last_admin');
			expect(res.body.detail).toMatch(/last admin/i);
		}
		const del = await call(server, 'DELETE', `/api/auth/users/${admin.id}`, { token: admin.token });
		expect(del.status).toBe(400);
		expect(del.body.code).toBe('last_admin');
		const me = await call(server, 'GET', '/api/auth/me', { token: admin.token });
		expect(me.body).toMatchObject({ is_admin: true, status: 'approved' });
	});

	it('may step down once another admin exists, and then that one is protected', async () => {
		const second = await signUp(server, unique('admin2'), PASSWORD, admin.token);
		expect((await put(second.id, { is_admin: true })).status).toBe(200);
		// A disabled admin does not count as a remaining admin.
		const third = await signUp(server, unique('admin3'), PASSWORD, admin.token);
		await put(third.id, { is_admin: true });
		await put(third.id, { status: 'disabled' });
		expect((await put(admin.id, { is_admin: false })).status).toBe(200);
		const demoteLast = await put(second.id, { is_admin: false }, second.token);
		expect(demoteLast.status).toBe(400);
		// Give the role back so the other tests keep their admin.
		expect((await put(admin.id, { is_admin: true }, second.token)).status).toBe(200);
	});

	it('two admins demoting each other at the same moment leave exactly one admin', async () => {
		const activeAdmins = async (token = admin.token) =>
			(await call(server, 'GET', '/api/auth/users', { token })).body.filter((u: any) => u.is_admin && u.status === 'approved');
		for (const u of await activeAdmins()) if (u.id !== admin.id) expect((await put(u.id, { is_admin: false })).status).toBe(200);
		const other = await signUp(server, unique('admin4'), PASSWORD, admin.token);
		expect((await put(other.id, { is_admin: true })).status).toBe(200);
		const admins = await activeAdmins();
		expect(admins.map((u: any) => u.id).sort()).toEqual([admin.id, other.id].sort());
		const [a, b] = await Promise.all([put(other.id, { is_admin: false }), put(admin.id, { is_admin: false }, other.token)]);
		// The loser is refused as the last admin (400) or, if it came second, as no admin any more (403).
		expect([a.status, b.status].filter((s) => s === 200)).toHaveLength(1);
		expect([a.status, b.status].filter((s) => s === 400 || s === 403)).toHaveLength(1);
		expect(await activeAdmins(a.status === 200 ? admin.token : other.token)).toHaveLength(1);
		// Whoever is still admin gives the role back.
		if (a.status !== 200) expect((await put(admin.id, { is_admin: true }, other.token)).status).toBe(200);
	});
});

describe('ending access', () => {
	async function userWithCredentials() {
		const user = await signUp(server, unique(), PASSWORD, admin.token);
		const key = (await call(server, 'POST', '/api/auth/api-keys', { token: user.token, body: { name: 'script' } })).body.key;
		expect((await call(server, 'GET', '/api/auth/me', { token: key })).status).toBe(200);
		return { ...user, key };
	}

	async function expectLockedOut(user: { token: string; cookie: string; key: string }) {
		for (const credential of [{ token: user.token }, { cookie: user.cookie }, { token: user.key }]) {
			expect((await call(server, 'GET', '/api/auth/me', credential)).status).toBe(401);
		}
	}

	it('disabling a user ends their sessions, tokens and API keys at once', async () => {
		const user = await userWithCredentials();
		expect((await put(user.id, { status: 'disabled' })).status).toBe(200);
		await expectLockedOut(user);
		// Re-approving does not bring the old credentials back.
		await put(user.id, { status: 'approved' });
		await expectLockedOut(user);
	});

	it('deleting a user ends their sessions, tokens and API keys and frees the email', async () => {
		const user = await userWithCredentials();
		const del = await call(server, 'DELETE', `/api/auth/users/${user.id}`, { token: admin.token });
		expect(del.status).toBe(204);
		await expectLockedOut(user);
		const list = await call(server, 'GET', '/api/auth/users', { token: admin.token });
		expect(list.body.some((u: { id: string }) => u.id === user.id)).toBe(false);
		expect((await call(server, 'POST', '/api/auth/register', { body: { email: user.email, password: PASSWORD } })).status).toBe(201);
	});
});

describe('non-admins', () => {
	it('get 403 on every admin route and change nothing', async () => {
		const user = await signUp(server, unique(), PASSWORD, admin.token);
		const routes: [string, string, unknown?][] = [
			['GET', '/api/auth/users'],
			['GET', '/api/auth/users/pending/count'],
			['PUT', `/api/auth/users/${user.id}`, { is_admin: true }],
			['DELETE', `/api/auth/users/${admin.id}`],
			['POST', `/api/auth/users/${admin.id}/reset-password`, { password: 'hijacked-password' }]
		];
		for (const [method, path, body] of routes) {
			const res = await call(server, method, path, { token: user.token, body });
			expect(res.status, `${method} ${path}`).toBe(403);
		}
		expect((await call(server, 'GET', '/api/auth/me', { token: user.token })).body.is_admin).toBe(false);
		expect((await signIn(server, admin.email)).id).toBe(admin.id);
	});
});
