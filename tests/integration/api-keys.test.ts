import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, signUp, startServer, type SignedIn, type TestServer } from '../helpers/server';

let server: TestServer;
let admin: SignedIn;
let alice: SignedIn;
let bob: SignedIn;

const create = (user: SignedIn, body: unknown) => call(server, 'POST', '/api/auth/api-keys', { token: user.token, body });
const list = (user: SignedIn) => call(server, 'GET', '/api/auth/api-keys', { token: user.token });

beforeAll(async () => {
	server = await startServer();
	admin = await signUp(server, 'admin@example.com');
	alice = await signUp(server, 'alice@example.com', undefined, admin.token);
	bob = await signUp(server, 'bob@example.com', undefined, admin.token);
});
afterAll(async () => {
	await server?.stop();
});

describe('API keys', () => {
	it('are shown once at creation with the llm_ prefix and work as a Bearer credential', async () => {
		const res = await create(alice, { name: 'laptop script', allowed_models: ['owner/repo/model.gguf'] });
		expect(res.status).toBe(201);
		expect(res.body.key).toMatch(/^llm_[\w-]{43}$/);
		expect(res.body).toMatchObject({ name: 'laptop script', allowed_models: ['owner/repo/model.gguf'], last_used_at: null });
		expect(res.body.key.startsWith(res.body.prefix)).toBe(true);
		expect(res.body.prefix.length).toBeLessThan(16);
		const me = await call(server, 'GET', '/api/auth/me', { token: res.body.key });
		expect(me.status).toBe(200);
		expect(me.body.email).toBe('alice@example.com');
		const listed = (await list(alice)).body.find((k: { id: string }) => k.id === res.body.id);
		expect(listed).toBeDefined();
		expect(listed).not.toHaveProperty('key');
		expect(JSON.stringify(listed)).not.toContain(res.body.key);
		expect(listed).not.toHaveProperty('key_hash');
	});

	it('are listed to their owner only; an admin sees everyone\'s', async () => {
		const a = (await create(alice, { name: 'alice key' })).body;
		const b = (await create(bob, { name: 'bob key' })).body;
		const aliceIds = (await list(alice)).body.map((k: { id: string }) => k.id);
		expect(aliceIds).toContain(a.id);
		expect(aliceIds).not.toContain(b.id);
		const adminList = (await list(admin)).body;
		expect(adminList.map((k: { id: string }) => k.id)).toEqual(expect.arrayContaining([a.id, b.id]));
		expect(adminList.find((k: { id: string }) => k.id === b.id).user_email).toBe('bob@example.com');
	});

	it('can be revoked by their owner; a revoked key gets 401', async () => {
		const key = (await create(alice, { name: 'temporary' })).body;
		const del = await call(server, 'DELETE', `/api/auth/api-keys/${key.id}`, { token: alice.token });
		expect(del.status).toBe(204);
		const me = await call(server, 'GET', '/api/auth/me', { token: key.key });
		expect(me.status).toBe(401);
		expect(me.headers.get('www-authenticate')).toBe('Bearer');
		expect((await list(alice)).body.some((k: { id: string }) => k.id === key.id)).toBe(false);
		expect((await call(server, 'DELETE', `/api/auth/api-keys/${key.id}`, { token: alice.token })).status).toBe(404);
	});

	it("cannot revoke someone else's key: 404, and the key still works", async () => {
		const key = (await create(bob, { name: 'bob only' })).body;
		const del = await call(server, 'DELETE', `/api/auth/api-keys/${key.id}`, { token: alice.token });
		expect(del.status).toBe(404);
		expect((await call(server, 'GET', '/api/auth/me', { token: key.key })).status).toBe(200);
	});

	it("an admin can revoke anyone's key", async () => {
		const key = (await create(bob, { name: 'revoked by admin' })).body;
		expect((await call(server, 'DELETE', `/api/auth/api-keys/${key.id}`, { token: admin.token })).status).toBe(204);
		expect((await call(server, 'GET', '/api/auth/me', { token: key.key })).status).toBe(401);
	});

	it('refuses bad input with 400 and creates nothing', async () => {
		const before = (await list(alice)).body.length;
		for (const body of [{}, { name: '' }, { name: 'x'.repeat(101) }, { name: 'ok', allowed_models: 'all' }]) {
			const res = await create(alice, body);
			expect(res.status).toBe(400);
			expect(res.body.code).toBe('invalid_request');
		}
		expect((await list(alice)).body.length).toBe(before);
	});

	it('refuses a made-up key and a key-shaped string', async () => {
		for (const token of ['llm_' + 'A'.repeat(43), 'not-a-token']) {
			const res = await call(server, 'GET', '/api/auth/me', { token });
			expect(res.status).toBe(401);
		}
	});

	it('need a signed-in user', async () => {
		expect((await call(server, 'GET', '/api/auth/api-keys')).status).toBe(401);
		expect((await call(server, 'POST', '/api/auth/api-keys', { body: { name: 'x' } })).status).toBe(401);
	});
});
