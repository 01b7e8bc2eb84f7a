import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, signIn, signUp, startServer, type SignedIn, type TestServer } from '../helpers/server';

let server: TestServer;
let admin: SignedIn;
let user: SignedIn;

beforeAll(async () => {
	server = await startServer();
	admin = await signUp(server, 'admin@example.com');
	user = await signUp(server, 'user@example.com', undefined, admin.token);
});
afterAll(async () => {
	await server?.stop();
});

/** Every `/api` route that needs a credential (the foundation's; other areas test their own). */
const PROTECTED: [string, string][] = [
	['POST', '/api/auth/logout'],
	['GET', '/api/auth/me'],
	['GET', '/api/auth/users'],
	['GET', '/api/auth/users/pending/count'],
	['PUT', '/api/auth/users/00000000-0000-4000-8000-000000000000'],
	['DELETE', '/api/auth/users/00000000-0000-4000-8000-000000000000'],
	['POST', '/api/auth/users/00000000-0000-4000-8000-000000000000/reset-password'],
	['GET', '/api/auth/api-keys'],
	['POST', '/api/auth/api-keys'],
	['DELETE', '/api/auth/api-keys/some-id'],
	['GET', '/api/system/memory'],
	['GET', '/api/system/info']
];

describe('credentials', () => {
	it.each(PROTECTED)('%s %s without a credential → 401 with WWW-Authenticate', async (method, path) => {
		const body = method === 'GET' || method === 'DELETE' ? undefined : { name: 'x', password: 'long-enough-password' };
		const res = await call(server, method, path, { body });
		expect(res.status).toBe(401);
		expect(res.headers.get('www-authenticate')).toBe('Bearer');
		expect(res.body).toMatchObject({ detail: expect.any(String), code: expect.any(String) });
	});

	it.each(PROTECTED)('%s %s with a bad token → 401', async (method, path) => {
		const res = await call(server, method, path, { token: 'a.b.c' });
		expect(res.status).toBe(401);
		expect(res.headers.get('www-authenticate')).toBe('Bearer');
	});

	it('ignores ?token= on a route that is not a stream', async () => {
		const res = await call(server, 'GET', `/api/auth/me?token=${encodeURIComponent(user.token)}`);
		expect(res.status).toBe(401);
	});

	it('accepts the access token as Bearer and the session cookie', async () => {
		expect((await call(server, 'GET', '/api/auth/me', { token: user.token })).body.email).toBe('user@example.com');
		expect((await call(server, 'GET', '/api/auth/me', { cookie: user.cookie })).body.email).toBe('user@example.com');
		expect((await call(server, 'GET', '/api/auth/me', { headers: { authorization: `bearer  ${user.token}` } })).status).toBe(200);
	});

	it('refuses a stale cookie and clears it', async () => {
		const res = await call(server, 'GET', '/api/auth/me', { cookie: 'llm_manager_session=doesnotexist' });
		expect(res.status).toBe(401);
		expect(res.headers.get('set-cookie')).toMatch(/llm_manager_session=;/);
	});

	it('lets public routes through even with a bad credential', async () => {
		const res = await call(server, 'POST', '/api/auth/login', { token: 'a.b.c', body: { email: user.email, password: 'correct-horse-battery' } });
		expect(res.status).toBe(200);
		expect((await call(server, 'GET', '/health', { token: 'a.b.c' })).status).toBe(200);
	});
});

describe('cross-site requests riding on the cookie', () => {
	const evil = { origin: 'http://evil.example' };
	const keyNames = async () =>
		(await call(server, 'GET', '/api/auth/api-keys', { token: user.token })).body.map((k: { name: string }) => k.name);

	it('are refused with 403 and change nothing', async () => {
		const create = await call(server, 'POST', '/api/auth/api-keys', { cookie: user.cookie, headers: evil, body: { name: 'planted' } });
		expect(create.status).toBe(403);
		expect(create.body.code).toBe('cross_site_request');
		const site = await call(server, 'POST', '/api/auth/api-keys', {
			cookie: user.cookie,
			headers: { 'sec-fetch-site': 'cross-site' },
			body: { name: 'planted' }
		});
		expect(site.status).toBe(403);
		expect(await keyNames()).not.toContain('planted');

		const promote = await call(server, 'PUT', `/api/auth/users/${user.id}`, { cookie: admin.cookie, headers: evil, body: { is_admin: true } });
		expect(promote.status).toBe(403);
		expect((await call(server, 'GET', '/api/auth/me', { token: user.token })).body.is_admin).toBe(false);

		const logout = await call(server, 'POST', '/api/auth/logout', { cookie: user.cookie, headers: evil });
		expect(logout.status).toBe(403);
		expect((await call(server, 'GET', '/api/auth/me', { cookie: user.cookie })).status).toBe(200);
	});

	it('are accepted from the same origin with the cookie, and from anywhere with a Bearer token', async () => {
		const same = await call(server, 'POST', '/api/auth/api-keys', { cookie: user.cookie, headers: { origin: server.url }, body: { name: 'same-origin' } });
		expect(same.status).toBe(201);
		const bearer = await call(server, 'POST', '/api/auth/api-keys', { token: user.token, headers: evil, body: { name: 'bearer' } });
		expect(bearer.status).toBe(201);
		expect(await keyNames()).toEqual(expect.arrayContaining(['same-origin', 'bearer']));
	});

	it('cross-site reads are not blocked by the check (SameSite=Lax keeps the cookie off them in browsers)', async () => {
		const res = await call(server, 'GET', '/api/auth/me', { cookie: user.cookie, headers: evil });
		expect(res.status).toBe(200);
	});

	it('refuses a cross-site login post (login CSRF)', async () => {
		const session = await signIn(server, user.email);
		expect(session.token).toBeTruthy();
		const res = await call(server, 'POST', '/api/auth/login', { headers: evil, body: { email: user.email, password: 'correct-horse-battery' } });
		expect(res.status).toBe(403);
		expect(res.headers.get('set-cookie')).toBeNull();
	});
});
