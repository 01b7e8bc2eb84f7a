import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { call, signIn, signUp, startServer, type SignedIn, type TestServer } from '../helpers/server';

const PATH = '/api/system/ws/audit-logs';
let server: TestServer;
let admin: SignedIn;
let seq = 0;

beforeAll(async () => {
	server = await startServer();
	admin = await signUp(server, 'admin@example.com');
});
afterAll(async () => {
	await server?.stop();
});

type Observed = { socket: WebSocket; messages: unknown[]; closed: Promise<number> };

function open(query = '', headers: Record<string, string> = {}): Observed {
	const socket = new WebSocket(`${server.url.replace('http', 'ws')}${PATH}${query}`, { headers });
	const messages: unknown[] = [];
	socket.on('message', (data) => messages.push(JSON.parse(String(data))));
	const closed = new Promise<number>((resolve, reject) => {
		socket.on('close', (code) => resolve(code));
		socket.on('error', reject);
	});
	return { socket, messages, closed };
}

/** Resolves with the first message, or fails when the socket closes first. */
function firstMessage(observed: Observed): Promise<unknown> {
	return new Promise((resolve, reject) => {
		if (observed.messages.length) return resolve(observed.messages[0]);
		observed.socket.once('message', (data) => resolve(JSON.parse(String(data))));
		observed.socket.once('close', (code) => reject(new Error(`closed with ${code} before any message`)));
	});
}

async function expectRefused(observed: Observed): Promise<void> {
	expect(await observed.closed).toBe(1008);
	expect(observed.messages).toEqual([]);
}

async function approvedUser(): Promise<SignedIn> {
	return signUp(server, `ws-user-${++seq}@example.com`, undefined, admin.token);
}

describe('audit WebSocket: refused callers see close code 1008 and no message', () => {
	it('without a credential', async () => {
		await expectRefused(open());
	});

	it('with a bad token', async () => {
		await expectRefused(open('?token=not-a-token'));
		await expectRefused(open('?token=a.b.c'));
		await expectRefused(open('', { authorization: 'Bearer a.b.c' }));
	});

	it("with a user's token once that user is back to pending", async () => {
		const user = await approvedUser();
		await call(server, 'PUT', `/api/auth/users/${user.id}`, { token: admin.token, body: { status: 'pending' } });
		await expectRefused(open(`?token=${user.token}`));
	});

	it('with an API key in ?token= (access tokens only there)', async () => {
		const key = (await call(server, 'POST', '/api/auth/api-keys', { token: admin.token, body: { name: 'ws' } })).body.key;
		await expectRefused(open(`?token=${key}`));
	});

	it('with a session cookie sent from a foreign Origin', async () => {
		await expectRefused(open('', { cookie: admin.cookie, origin: 'http://evil.example' }));
	});
});

describe('audit WebSocket: accepted callers get hello first', () => {
	it('with ?token=', async () => {
		const observed = open(`?token=${encodeURIComponent(admin.token)}`);
		expect(await firstMessage(observed)).toEqual({ type: 'hello' });
		observed.socket.close();
	});

	it('with the session cookie from the same origin, or without an Origin', async () => {
		const variants: Record<string, string>[] = [{ cookie: admin.cookie, origin: server.url }, { cookie: admin.cookie }];
		for (const headers of variants) {
			const observed = open('', headers);
			expect(await firstMessage(observed)).toEqual({ type: 'hello' });
			observed.socket.close();
		}
	});

	it('with a Bearer header or an API key there', async () => {
		const key = (await call(server, 'POST', '/api/auth/api-keys', { token: admin.token, body: { name: 'ws2' } })).body.key;
		for (const token of [admin.token, key]) {
			const observed = open('', { authorization: `Bearer ${token}` });
			expect(await firstMessage(observed)).toEqual({ type: 'hello' });
			observed.socket.close();
		}
	});

	it('for a regular (non-admin) user', async () => {
		const user = await approvedUser();
		const observed = open(`?token=${user.token}`);
		expect(await firstMessage(observed)).toEqual({ type: 'hello' });
		observed.socket.close();
	});
});

describe('audit WebSocket: ending access closes an open socket', () => {
	it('on logout', async () => {
		const session = await signIn(server, admin.email);
		const observed = open(`?token=${session.token}`);
		await firstMessage(observed);
		expect((await call(server, 'POST', '/api/auth/logout', { token: session.token })).status).toBe(204);
		expect(await observed.closed).toBe(1008);
	});

	it('when the user is disabled', async () => {
		const user = await approvedUser();
		const observed = open('', { cookie: user.cookie });
		await firstMessage(observed);
		await call(server, 'PUT', `/api/auth/users/${user.id}`, { token: admin.token, body: { status: 'disabled' } });
		expect(await observed.closed).toBe(1008);
	});

	it('asks a promoted or demoted user to reconnect (1012), and the new socket carries the new role', async () => {
		const user = await approvedUser();
		const observed = open('', { cookie: user.cookie });
		await firstMessage(observed);
		await call(server, 'PUT', `/api/auth/users/${user.id}`, { token: admin.token, body: { is_admin: true } });
		expect(await observed.closed).toBe(1012);
		// Still signed in: the same cookie is accepted again at once.
		const again = open('', { cookie: user.cookie });
		expect(await firstMessage(again)).toEqual({ type: 'hello' });
		await call(server, 'PUT', `/api/auth/users/${user.id}`, { token: admin.token, body: { is_admin: false } });
		expect(await again.closed).toBe(1012);
	});

	it('but leaves the sockets of other sessions open', async () => {
		const mine = await signIn(server, admin.email);
		const other = open(`?token=${admin.token}`);
		await firstMessage(other);
		await call(server, 'POST', '/api/auth/logout', { token: mine.token });
		// A close frame would come before the pong on the same connection.
		other.socket.ping();
		await new Promise((resolve) => other.socket.once('pong', resolve));
		expect(other.socket.readyState).toBe(WebSocket.OPEN);
		other.socket.close();
		expect(await other.closed).toBe(1005);
	});
});

describe('other upgrade paths', () => {
	it('are refused', async () => {
		const socket = new WebSocket(`${server.url.replace('http', 'ws')}/api/system/ws/other?token=${admin.token}`);
		const error = await new Promise<Error>((resolve) => socket.on('error', resolve));
		expect(String(error)).toMatch(/404/);
	});
});
