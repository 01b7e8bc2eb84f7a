import fs from 'node:fs';
import path from 'node:path';
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TOKEN, NO_ACCESS_TOKEN } from '../fixtures/fake-hub.js';
import { isDone, startHub, startWithHub, waitForStatus, type FakeHub } from '../helpers/models';
import { call, signIn, signUp, tempDir, type SignedIn, type TestServer } from '../helpers/server';

const GATED = 'test-org/gated-llama-GGUF';
let hub: FakeHub;
let server: TestServer;
let admin: SignedIn;
let user: SignedIn;

const status = () => call(server, 'GET', '/api/settings/hub-token', { token: admin.token });
const save = (token: string | null) => call(server, 'PUT', '/api/settings/hub-token', { token: admin.token, body: { token } });
const gatedFiles = async () => (await call(server, 'GET', `/api/models/repo/${GATED}/files`, { token: user.token })).body;

/** Every text value in the database file, to prove a secret is not stored in clear. */
async function databaseText(dataDir: string): Promise<string> {
	const db = createClient({ url: `file:${path.join(dataDir, 'llm-manager.db')}` });
	try {
		const tables = (await db.execute("select name from sqlite_master where type = 'table'")).rows.map((r) => String(r.name));
		let text = '';
		for (const table of tables) text += JSON.stringify((await db.execute(`select * from "${table}"`)).rows);
		return text;
	} finally {
		db.close();
	}
}

beforeAll(async () => {
	hub = await startHub();
	server = await startWithHub(hub);
	admin = await signUp(server, 'admin@example.com');
	user = await signUp(server, 'user@example.com', 'user-password-1', admin.token);
});
afterAll(async () => {
	await server?.stop();
	await hub?.close();
});

describe('the Hub token in Settings', () => {
	it('is for admins only, and unset at first', async () => {
		expect((await call(server, 'GET', '/api/settings/hub-token', { token: user.token })).status).toBe(403);
		expect((await call(server, 'PUT', '/api/settings/hub-token', { token: user.token, body: { token: DEFAULT_TOKEN } })).status).toBe(403);
		expect((await status()).body).toMatchObject({ set: false, source: null, last4: null });
	});

	it('without a token, a gated repo says so and cannot be downloaded', async () => {
		const listing = await gatedFiles();
		expect(listing).toMatchObject({ gated: true, has_access: false });
		expect(listing.files.length).toBeGreaterThan(0);
		const search = await call(server, 'GET', '/api/models/search?query=gated', { token: user.token });
		expect(search.body.find((r: any) => r.model_id === GATED)).toMatchObject({ gated: true, has_access: false });
		const open = (await call(server, 'GET', '/api/models/repo/test-org/tiny-llama-GGUF/files', { token: user.token })).body;
		expect(open).toMatchObject({ gated: false, has_access: true });
		const start = await call(server, 'POST', '/api/models/download', { token: user.token, body: { repo: GATED } });
		expect(start.status).toBe(403);
		expect(start.body.detail).toContain('gated — needs a token with access');
	});

	it('a token the Hub refuses is not saved', async () => {
		const refused = await save('hf_not_a_real_token');
		expect(refused.status).toBe(400);
		expect(refused.body.code).toBe('invalid_hub_token');
		for (const bad of ['short', 'has spaces in it', 'x'.repeat(600)]) expect((await save(bad)).status, bad).toBe(400);
		expect((await status()).body.set).toBe(false);
	});

	it('a valid token without access to the gated repo is saved, and the repo stays closed', async () => {
		const saved = await save(NO_ACCESS_TOKEN);
		expect(saved.status).toBe(200);
		expect(saved.body).toMatchObject({ set: true, source: 'settings', last4: NO_ACCESS_TOKEN.slice(-4), account: 'no-access-user' });
		expect(JSON.stringify(saved.body)).not.toContain(NO_ACCESS_TOKEN);
		expect(await gatedFiles()).toMatchObject({ gated: true, has_access: false });
	});

	it('a token with access opens the gated repo: it downloads; the token is encrypted at rest and never sent back', async () => {
		const saved = await save(DEFAULT_TOKEN);
		expect(saved.body).toMatchObject({ set: true, last4: DEFAULT_TOKEN.slice(-4), account: 'test-user' });
		expect(await gatedFiles()).toMatchObject({ gated: true, has_access: true });
		const start = await call(server, 'POST', '/api/models/download', { token: user.token, body: { repo: GATED } });
		expect(start.status).toBe(202);
		const view = await waitForStatus(server, user.token, start.body.task_id, isDone);
		expect(view.status).toBe('completed');

		for (const res of [await status(), await call(server, 'GET', '/api/settings/pool', { token: admin.token })]) {
			expect(JSON.stringify(res.body)).not.toContain(DEFAULT_TOKEN);
		}
		const stored = await databaseText(server.dataDir);
		expect(stored).toContain('hub_token');
		expect(stored).not.toContain(DEFAULT_TOKEN);
		expect(stored).not.toContain(Buffer.from(DEFAULT_TOKEN).toString('base64'));
		expect(server.logs()).not.toContain(DEFAULT_TOKEN);
		const keyFile = path.join(server.dataDir, 'secret.key');
		expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
	});

	it('survives a restart with a new JWT secret (the instance key is separate), and can be forgotten', async () => {
		await server.stop();
		server = await startWithHub(hub, { dataDir: server.dataDir, env: { LLM_MANAGER_JWT_SECRET: 'another-secret-after-rotation-0123456789' } });
		admin = await signIn(server, 'admin@example.com');
		user = await signIn(server, 'user@example.com', 'user-password-1');
		expect((await status()).body).toMatchObject({ set: true, source: 'settings', account: 'test-user', unreadable: false });
		expect(await gatedFiles()).toMatchObject({ has_access: true });

		const cleared = await save(null);
		expect(cleared.status).toBe(200);
		expect(cleared.body).toMatchObject({ set: false, source: null });
		expect(await gatedFiles()).toMatchObject({ has_access: false });
		expect(await databaseText(server.dataDir)).not.toContain('hub_token');
	});
});

describe('with HF_TOKEN and LLM_MANAGER_SECRET_KEY', () => {
	it('HF_TOKEN applies until a token is saved; the secret key replaces the key file', async () => {
		const other = await startWithHub(hub, {
			env: { HF_TOKEN: NO_ACCESS_TOKEN, LLM_MANAGER_SECRET_KEY: 'a-long-instance-key-for-encrypting-secrets' }
		});
		try {
			const owner = await signUp(other, 'owner@example.com');
			const get = () => call(other, 'GET', '/api/settings/hub-token', { token: owner.token });
			expect((await get()).body).toMatchObject({ set: true, source: 'environment', last4: NO_ACCESS_TOKEN.slice(-4) });
			const files = () => call(other, 'GET', `/api/models/repo/${GATED}/files`, { token: owner.token });
			expect((await files()).body.has_access).toBe(false);
			await call(other, 'PUT', '/api/settings/hub-token', { token: owner.token, body: { token: DEFAULT_TOKEN } });
			expect((await get()).body).toMatchObject({ source: 'settings' });
			expect((await files()).body.has_access).toBe(true);
			expect(fs.existsSync(path.join(other.dataDir, 'secret.key'))).toBe(false);
		} finally {
			await other.stop();
		}
	});
});
