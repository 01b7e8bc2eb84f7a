import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, signIn, signUp, startServer, type SignedIn, type TestServer } from '../helpers/server';

let server: TestServer;
let admin: SignedIn;
let seq = 0;
const unique = (name = 'user') => `${name}-${++seq}-${Date.now()}@example.com`;
const PASSWORD = 'correct-horse-battery';

beforeAll(async () => {
	server = await startServer();
	admin = await signUp(server, 'Admin@Example.com');
});
afterAll(async () => {
	await server?.stop();
});

describe('register', () => {
	it('made the first user an approved admin, stored lower-cased', async () => {
		const me = await call(server, 'GET', '/api/auth/me', { token: admin.token });
		expect(me.status).toBe(200);
		expect(me.body).toMatchObject({ email: 'admin@example.com', is_admin: true, status: 'approved' });
		expect(me.body.approved_at).toEqual(expect.any(String));
		expect(me.body).not.toHaveProperty('password_hash');
		expect(me.body).not.toHaveProperty('passwordHash');
	});

	it('makes later users pending, not admins', async () => {
		const res = await call(server, 'POST', '/api/auth/register', { body: { email: unique(), password: PASSWORD } });
		expect(res.status).toBe(201);
		expect(res.body).toMatchObject({ is_admin: false, status: 'pending', approved_at: null });
		expect(Object.keys(res.body).sort()).toEqual(['approved_at', 'created_at', 'email', 'id', 'is_admin', 'status']);
	});

	it('refuses a duplicate email, whatever its case, with 409', async () => {
		const email = unique();
		expect((await call(server, 'POST', '/api/auth/register', { body: { email, password: PASSWORD } })).status).toBe(201);
		const dup = await call(server, 'POST', '/api/auth/register', { body: { email: email.toUpperCase(), password: PASSWORD } });
		expect(dup.status).toBe(409);
		expect(dup.body.code).toBe('email_taken');
	});

	it.each([
		['a bad email', { email: 'not-an-email', password: PASSWORD }, 'email'],
		['a short password', { email: 'short@example.com', password: 'eleven-char' }, 'password'],
		['a long password', { email: 'long@example.com', password: 'x'.repeat(129) }, 'password'],
		['no password', { email: 'none@example.com' }, 'password']
	])('refuses %s with 400 and the issues', async (_, body, field) => {
		const res = await call(server, 'POST', '/api/auth/register', { body });
		expect(res.status).toBe(400);
		expect(res.body.code).toBe('invalid_request');
		expect(res.body.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: field })]));
	});

	it('accepts a password of exactly 12 and of 128 characters', async () => {
		for (const password of ['123456789012', 'p'.repeat(128)]) {
			expect((await call(server, 'POST', '/api/auth/register', { body: { email: unique(), password } })).status).toBe(201);
		}
	});
});

describe('login', () => {
	it('answers JSON with a bearer token, its expiry, the user and an HttpOnly SameSite=Lax cookie', async () => {
		const res = await call(server, 'POST', '/api/auth/login', { body: { email: 'ADMIN@example.com', password: PASSWORD } });
		expect(res.status).toBe(200);
		expect(res.body).toMatchObject({ token_type: 'bearer', user: { email: 'admin@example.com' } });
		expect(res.body.access_token.split('.')).toHaveLength(3);
		expect(Date.parse(res.body.expires_at)).toBeGreaterThan(Date.now() + 6 * 86_400_000);
		const cookie = res.headers.get('set-cookie') ?? '';
		expect(cookie).toMatch(/^llm_manager_session=\w+/);
		expect(cookie).toMatch(/HttpOnly/i);
		expect(cookie).toMatch(/SameSite=Lax/i);
		expect(cookie).not.toMatch(/Secure/i);
	});

	it('accepts the OAuth2 password form', async () => {
		const res = await call(server, 'POST', '/api/auth/login', {
			body: new URLSearchParams({ username: 'admin@example.com', password: PASSWORD, grant_type: 'password' }).toString(),
			headers: { 'content-type': 'application/x-www-form-urlencoded' }
		});
		expect(res.status).toBe(200);
		expect(res.body.token_type).toBe('bearer');
		const me = await call(server, 'GET', '/api/auth/me', { token: res.body.access_token });
		expect(me.body.email).toBe('admin@example.com');
	});

	it('gives the same 401 for a wrong email and a wrong password', async () => {
		const wrongPassword = await call(server, 'POST', '/api/auth/login', { body: { email: admin.email, password: 'wrong-password' } });
		const wrongEmail = await call(server, 'POST', '/api/auth/login', { body: { email: unique('nobody'), password: PASSWORD } });
		expect(wrongPassword.status).toBe(401);
		expect(wrongEmail.status).toBe(401);
		expect(wrongEmail.body).toEqual(wrongPassword.body);
		expect(wrongPassword.headers.get('set-cookie')).toBeNull();
	});

	it('refuses a pending user with 403 "Account pending approval"', async () => {
		const email = unique('pending');
		await call(server, 'POST', '/api/auth/register', { body: { email, password: PASSWORD } });
		const res = await call(server, 'POST', '/api/auth/login', { body: { email, password: PASSWORD } });
		expect(res.status).toBe(403);
		expect(res.body.detail).toBe('Account pending approval');
		expect(res.headers.get('set-cookie')).toBeNull();
	});

	it('refuses a disabled user with 403 "Account disabled"', async () => {
		const user = await signUp(server, unique('disabled'), PASSWORD, admin.token);
		expect((await call(server, 'PUT', `/api/auth/users/${user.id}`, { token: admin.token, body: { status: 'disabled' } })).status).toBe(200);
		const res = await call(server, 'POST', '/api/auth/login', { body: { email: user.email, password: PASSWORD } });
		expect(res.status).toBe(403);
		expect(res.body.detail).toBe('Account disabled');
	});

	it('refuses malformed and incomplete bodies with 400', async () => {
		const malformed = await call(server, 'POST', '/api/auth/login', { body: '{"email":' });
		expect(malformed.status).toBe(400);
		const missing = await call(server, 'POST', '/api/auth/login', { body: { email: admin.email } });
		expect(missing.status).toBe(400);
		expect(missing.body.issues[0].path).toBe('password');
	});
});

describe('logout and me', () => {
	it('ends the session and every token made from it at once', async () => {
		const session = await signIn(server, admin.email);
		const other = await signIn(server, admin.email);
		const res = await call(server, 'POST', '/api/auth/logout', { token: session.token });
		expect(res.status).toBe(204);
		expect((await call(server, 'GET', '/api/auth/me', { token: session.token })).status).toBe(401);
		expect((await call(server, 'GET', '/api/auth/me', { cookie: session.cookie })).status).toBe(401);
		// Another login of the same user is a different session and lives on.
		expect((await call(server, 'GET', '/api/auth/me', { token: other.token })).status).toBe(200);
	});

	it('clears the cookie when signing out with it', async () => {
		const session = await signIn(server, admin.email);
		const res = await call(server, 'POST', '/api/auth/logout', { cookie: session.cookie });
		expect(res.status).toBe(204);
		expect(res.headers.get('set-cookie')).toMatch(/llm_manager_session=;.*Max-Age=0/i);
		expect((await call(server, 'GET', '/api/auth/me', { cookie: session.cookie })).status).toBe(401);
		expect((await call(server, 'GET', '/api/auth/me', { token: session.token })).status).toBe(401);
	});

	it('answers me for a cookie', async () => {
		const me = await call(server, 'GET', '/api/auth/me', { cookie: admin.cookie });
		expect(me.status).toBe(200);
		expect(me.body.id).toBe(admin.id);
	});

	it('refuses logout without a credential', async () => {
		expect((await call(server, 'POST', '/api/auth/logout')).status).toBe(401);
	});
});
