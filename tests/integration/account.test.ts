import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, signIn, signUp, startServer, type SignedIn, type TestServer } from '../helpers/server';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CHROME =
	'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

let server: TestServer;
let admin: SignedIn;

/** Signs in with a given browser's User-Agent. */
async function signInAs(email: string, password: string, userAgent: string): Promise<SignedIn> {
	const res = await fetch(`${server.url}/api/auth/login`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'user-agent': userAgent },
		body: JSON.stringify({ email, password })
	});
	const body = await res.json();
	expect(res.status).toBe(200);
	return { id: body.user.id, email, token: body.access_token, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] };
}

beforeAll(async () => {
	server = await startServer();
});
afterAll(async () => {
	await server?.stop();
});

describe('first run', () => {
	it('the sign-in page says the first account becomes the administrator, until one exists', async () => {
		const before = await (await fetch(`${server.url}/login`)).text();
		expect(before).toContain('the first account created becomes the <strong>administrator</strong>');
		admin = await signUp(server, 'admin@example.com');
		const after = await (await fetch(`${server.url}/login`)).text();
		expect(after).toContain('Sign in to LLM Manager');
		expect(after).not.toContain('becomes the <strong>administrator</strong>');
	});
});

describe('own sessions', () => {
	it('lists where the user is signed in, with browser, created and last seen, without exposing session ids', async () => {
		const user = await signUp(server, 'sessions@example.com', 'first-password-1', admin.token);
		const firefox = await signInAs(user.email, 'first-password-1', FIREFOX);
		const chrome = await signInAs(user.email, 'first-password-1', CHROME);
		const list = await call(server, 'GET', '/api/auth/me/sessions', { cookie: firefox.cookie });
		expect(list.status).toBe(200);
		expect(list.body).toHaveLength(3);
		const mine = list.body.find((s: any) => s.current);
		expect(mine.browser).toBe('Firefox 128 on Linux');
		expect(list.body.map((s: any) => s.browser)).toContain('Chrome 131 on macOS');
		for (const s of list.body) {
			expect(Date.parse(s.created_at)).toBeGreaterThan(Date.now() - 60_000);
			expect(Date.parse(s.last_seen_at)).toBeGreaterThan(Date.now() - 60_000);
			expect(Date.parse(s.expires_at)).toBeGreaterThan(Date.now());
		}
		const text = JSON.stringify(list.body);
		for (const cookie of [user.cookie, firefox.cookie, chrome.cookie]) expect(text).not.toContain(cookie.split('=')[1]);

		// Ending the Chrome session signs it out at once; the others go on.
		const target = list.body.find((s: any) => s.browser.startsWith('Chrome'));
		expect((await call(server, 'DELETE', `/api/auth/me/sessions/${target.id}`, { token: firefox.token })).status).toBe(204);
		expect((await call(server, 'GET', '/api/auth/me', { token: chrome.token })).status).toBe(401);
		expect((await call(server, 'GET', '/api/auth/me', { cookie: chrome.cookie })).status).toBe(401);
		expect((await call(server, 'GET', '/api/auth/me', { cookie: firefox.cookie })).status).toBe(200);
		expect((await call(server, 'GET', '/api/auth/me/sessions', { token: user.token })).body).toHaveLength(2);
	});

	it("a user can neither see nor end another user's session", async () => {
		const a = await signUp(server, 'a@example.com', 'password-of-a', admin.token);
		const b = await signUp(server, 'b@example.com', 'password-of-b', admin.token);
		const aSessions = (await call(server, 'GET', '/api/auth/me/sessions', { token: a.token })).body;
		const bSessions = (await call(server, 'GET', '/api/auth/me/sessions', { token: b.token })).body;
		expect(bSessions.map((s: any) => s.id)).not.toContain(aSessions[0].id);
		const end = await call(server, 'DELETE', `/api/auth/me/sessions/${aSessions[0].id}`, { token: b.token });
		expect(end.status).toBe(404);
		expect((await call(server, 'GET', '/api/auth/me', { token: a.token })).status).toBe(200);
		expect((await call(server, 'DELETE', '/api/auth/me/sessions/unknown', { token: b.token })).status).toBe(404);
		expect((await call(server, 'GET', '/api/auth/me/sessions')).status).toBe(401);
	});
});

describe('changing one’s own password', () => {
	it('needs the current password, ends the other sessions, keeps this one and API keys', async () => {
		const here = await signUp(server, 'changer@example.com', 'old-password-1', admin.token);
		const elsewhere = await signIn(server, here.email, 'old-password-1');
		const key = await call(server, 'POST', '/api/auth/api-keys', { token: here.token, body: { name: 'script' } });
		expect(key.status).toBe(201);

		const wrong = await call(server, 'POST', '/api/auth/me/password', {
			cookie: here.cookie,
			headers: { origin: server.url },
			body: { current_password: 'not-it', new_password: 'new-password-2' }
		});
		expect(wrong.status).toBe(400);
		expect(wrong.body.code).toBe('wrong_password');
		const short = await call(server, 'POST', '/api/auth/me/password', {
			token: here.token,
			body: { current_password: 'old-password-1', new_password: 'short' }
		});
		expect(short.status).toBe(400);
		expect(short.body.issues[0].path).toBe('new_password');
		// Nothing changed so far: the other session still works and so does the old password.
		expect((await call(server, 'GET', '/api/auth/me', { token: elsewhere.token })).status).toBe(200);

		const ok = await call(server, 'POST', '/api/auth/me/password', {
			cookie: here.cookie,
			headers: { origin: server.url },
			body: { current_password: 'old-password-1', new_password: 'new-password-2' }
		});
		expect(ok.status).toBe(200);
		expect(ok.body.ended_sessions).toBe(1);
		expect((await call(server, 'GET', '/api/auth/me', { cookie: here.cookie })).status).toBe(200);
		expect((await call(server, 'GET', '/api/auth/me', { token: elsewhere.token })).status).toBe(401);
		expect((await call(server, 'GET', '/api/auth/me', { cookie: elsewhere.cookie })).status).toBe(401);
		expect((await call(server, 'GET', '/v1/models', { token: key.body.key })).status).toBe(200);
		const old = await call(server, 'POST', '/api/auth/login', { body: { email: here.email, password: 'old-password-1' } });
		expect(old.status).toBe(401);
		await signIn(server, here.email, 'new-password-2');
	});

	it('is refused from another site and for repeated wrong guesses', async () => {
		const user = await signUp(server, 'guessed@example.com', 'right-password-1', admin.token);
		const cross = await call(server, 'POST', '/api/auth/me/password', {
			cookie: user.cookie,
			headers: { origin: 'https://evil.example' },
			body: { current_password: 'right-password-1', new_password: 'evil-password-1' }
		});
		expect(cross.status).toBe(403);
		let last = 0;
		for (let i = 0; i < 6; i++) {
			last = (
				await call(server, 'POST', '/api/auth/me/password', {
					token: user.token,
					body: { current_password: `guess-${i}`, new_password: 'evil-password-1' }
				})
			).status;
		}
		expect(last).toBe(429);
		await signIn(server, user.email, 'right-password-1');
	});
});
