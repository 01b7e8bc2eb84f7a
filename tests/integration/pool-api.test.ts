import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { call, signUp, startServer, tempDir, type SignedIn, type TestServer, until } from '../helpers/server';

const A = 'test/tiny/a.gguf';
const B = 'test/tiny/b.gguf';
const BROKEN = 'test/tiny/broken.gguf';
let server: TestServer;
let admin: SignedIn;
let user: SignedIn;

const get = (p: string, who: SignedIn = user) => call(server, 'GET', p, { token: who.token });
const post = (p: string, body?: unknown, who: SignedIn = user) => call(server, 'POST', p, { token: who.token, body });
const put = (p: string, body: unknown, who: SignedIn = user) => call(server, 'PUT', p, { token: who.token, body });

async function createProfile(body: Record<string, unknown>) {
	const res = await post('/api/profiles', body);
	expect(res.status).toBe(201);
	return res.body;
}

beforeAll(async () => {
	const dataDir = tempDir();
	writeTinyLlama(path.join(dataDir, 'models', A), { seed: 1 });
	writeTinyLlama(path.join(dataDir, 'models', B), { seed: 2 });
	fs.writeFileSync(path.join(dataDir, 'models', BROKEN), Buffer.from('GGUF\x03\x00\x00\x00garbage'));
	server = await startServer({ dataDir });
	admin = await signUp(server, 'admin@example.com');
	user = await signUp(server, 'user@example.com', undefined, admin.token);
});

afterAll(async () => {
	await server?.stop();
});

describe('profiles', () => {
	it('creates with defaults, reads, updates, duplicates and deletes', async () => {
		const created = await createProfile({ name: 'crud', model_id: A });
		expect(created).toMatchObject({ name: 'crud', model_id: A, temperature: 0.7, top_p: 1, max_tokens: 4096, gpu_layers: 'auto', parallel: 1, pinned: false, keep_alive: null });
		expect((await get('/api/profiles')).body.map((p: { name: string }) => p.name)).toContain('crud');
		expect((await get(`/api/profiles/${created.id}`)).body.id).toBe(created.id);
		const updated = await put(`/api/profiles/${created.id}`, { temperature: 0.2, keep_alive: '5m', gpu_layers: 10 });
		expect(updated.status).toBe(200);
		expect(updated.body).toMatchObject({ temperature: 0.2, keep_alive: '5m', gpu_layers: 10, name: 'crud' });
		const copy = await post(`/api/profiles/${created.id}/duplicate?new_name=crud-copy`);
		expect(copy.status).toBe(201);
		expect(copy.body).toMatchObject({ name: 'crud-copy', temperature: 0.2, model_id: A });
		expect(copy.body.id).not.toBe(created.id);
		expect((await call(server, 'DELETE', `/api/profiles/${created.id}`, { token: user.token })).status).toBe(204);
		expect((await get(`/api/profiles/${created.id}`)).status).toBe(404);
	});

	it('rejects invalid fields, duplicate names and unknown ids, changing nothing', async () => {
		const before = (await get('/api/profiles')).body.length;
		const bad = await post('/api/profiles', { name: 'bad', model_id: A, temperature: 3 });
		expect(bad.status).toBe(400);
		expect(bad.body.issues[0].path).toBe('temperature');
		expect((await post('/api/profiles', { name: 'escape', model_id: '../../etc/passwd.gguf' })).status).toBe(400);
		expect((await post('/api/profiles', { name: 'nomodel' })).status).toBe(400);
		await createProfile({ name: 'taken', model_id: A });
		const dup = await post('/api/profiles', { name: 'taken', model_id: B });
		expect(dup.status).toBe(409);
		expect((await post('/api/profiles/00000000-0000-0000-0000-000000000000/duplicate')).status).toBe(404);
		expect((await put('/api/profiles/nope', { temperature: 1 })).status).toBe(404);
		expect((await call(server, 'DELETE', '/api/profiles/nope', { token: user.token })).status).toBe(404);
		expect((await get('/api/profiles')).body.length).toBe(before + 1);
		expect((await call(server, 'GET', '/api/profiles')).status).toBe(401);
	});
});

describe('profiles cannot hijack other people’s requests', () => {
	it('refuses a name that is a model id, before any request could run through it', async () => {
		for (const name of [A, 'someone/else/Model.GGUF']) {
			const res = await post('/api/profiles', { name, model_id: B, system_prompt: 'Always answer in French.' });
			expect(res.status, name).toBe(400);
			expect(res.body.issues[0]).toMatchObject({ path: 'name' });
		}
		const mine = await createProfile({ name: 'renamed-later', model_id: B });
		expect((await put(`/api/profiles/${mine.id}`, { name: A })).status).toBe(400);
		expect((await get(`/api/profiles/${mine.id}`)).body.name).toBe('renamed-later');
	});

	it('belong to their creator: others get 403 and change nothing; an admin may edit and delete', async () => {
		const third = await signUp(server, 'third@example.com', undefined, admin.token);
		const profile = await createProfile({ name: 'owned', model_id: A, system_prompt: 'mine' });
		expect(profile.owner_id).toBe(user.id);
		const edit = await put(`/api/profiles/${profile.id}`, { system_prompt: 'hijacked' }, third);
		expect(edit.status).toBe(403);
		expect(edit.body.code).toBe('not_profile_owner');
		expect((await call(server, 'DELETE', `/api/profiles/${profile.id}`, { token: third.token })).status).toBe(403);
		expect((await get(`/api/profiles/${profile.id}`)).body.system_prompt).toBe('mine');
		// Anyone may use or copy it; the copy is theirs.
		const copy = await post(`/api/profiles/${profile.id}/duplicate?new_name=owned-copy`, undefined, third);
		expect(copy.status).toBe(201);
		expect(copy.body.owner_id).toBe(third.id);
		expect((await put(`/api/profiles/${copy.body.id}`, { temperature: 0.1 }, third)).status).toBe(200);

		expect((await put(`/api/profiles/${profile.id}`, { temperature: 0.3 }, admin)).status).toBe(200);
		expect((await call(server, 'DELETE', `/api/profiles/${profile.id}`, { token: admin.token })).status).toBe(204);
	});

	it('a key limited to one model reaches only the profiles of that model', async () => {
		const key = (await post('/api/auth/api-keys', { name: 'only A', allowed_models: [A] })).body.key;
		await createProfile({ name: 'runs-a', model_id: A });
		await createProfile({ name: 'runs-b', model_id: B });
		const listed = (await call(server, 'GET', '/v1/models', { token: key })).body.data.map((m: { id: string }) => m.id);
		expect(listed).toContain('runs-a');
		expect(listed).toContain(A);
		expect(listed).not.toContain('runs-b');
		expect(listed).not.toContain(B);
		const chat = (model: string) =>
			call(server, 'POST', '/v1/chat/completions', { token: key, body: { model, max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] } });
		const refused = await chat('runs-b');
		expect(refused.status).toBe(403);
		expect(refused.body.error.code).toBe('model_not_allowed');
		expect((await chat(B)).status).toBe(403);
	});
});

describe('servers', () => {
	it('starts a profile in the background, reports it, and stops it', async () => {
		const profile = await createProfile({ name: 'srv', model_id: A, context_size: 256 });
		const start = await post(`/api/servers/${profile.id}/start`);
		expect(start.status).toBe(202);
		expect(start.body).toMatchObject({ status: 'loading', model: A });
		const health = await until(() => get(`/api/servers/${profile.id}/health`), (r) => r.body.model_loaded);
		expect(health.body).toMatchObject({ status: 'healthy', model_loaded: true, loading: false, error: null });
		expect((await post(`/api/servers/${profile.id}/start`)).body.status).toBe('already_loaded');
		const list = (await get('/api/servers')).body;
		expect(list.find((s: { profile_id: string }) => s.profile_id === profile.id)).toMatchObject({
			model_id: A,
			health_status: 'healthy',
			active_requests: 0,
			queued_requests: 0
		});
		expect((await get('/api/servers/models')).body.map((m: { model_id: string }) => m.model_id)).toContain(A);
		expect((await get('/api/servers/embedded')).body).toMatchObject({ type: 'embedded', loaded_models: 1 });
		expect((await get('/api/servers/health')).body.loaded_model_count).toBe(1);
		expect((await get('/api/servers/memory')).body.memory_used_bytes).toBeGreaterThan(0);
		expect((await post(`/api/servers/${profile.id}/stop`)).body).toMatchObject({ status: 'stopped' });
		expect((await get(`/api/servers/${profile.id}/health`)).body).toMatchObject({ model_loaded: false, status: 'stopped' });
		expect((await post('/api/servers/nope/start')).status).toBe(404);
	});

	it('shows a failed load with its reason and stays usable', async () => {
		const profile = await createProfile({ name: 'broken', model_id: BROKEN });
		expect((await post(`/api/servers/${profile.id}/start`)).status).toBe(202);
		const health = await until(() => get(`/api/servers/${profile.id}/health`), (r) => r.body.error !== null);
		expect(health.body).toMatchObject({ status: 'error', model_loaded: false, loading: false });
		expect(health.body.error).toMatch(/failed to load/);
		const list = (await get('/api/servers')).body;
		expect(list.find((s: { profile_id: string }) => s.profile_id === profile.id).error).toMatch(/failed to load/);
		expect((await get('/api/servers/health')).body.status).toBe('degraded');
	});

	it('refuses to stop a pinned model unless an admin forces it', async () => {
		const profile = await createProfile({ name: 'pinned', model_id: B, pinned: true, context_size: 256 });
		await post(`/api/servers/${profile.id}/start`);
		await until(() => get(`/api/servers/${profile.id}/health`), (r) => r.body.model_loaded);
		const refused = await post(`/api/servers/${profile.id}/stop`);
		expect(refused.status).toBe(409);
		expect(refused.body.code).toBe('model_pinned');
		expect((await post(`/api/servers/${profile.id}/stop?force=true`)).status).toBe(403);
		expect((await get(`/api/servers/${profile.id}/health`)).body.model_loaded).toBe(true);
		const forced = await post(`/api/servers/${profile.id}/stop?force=true`, undefined, admin);
		expect(forced.status).toBe(200);
		expect((await get(`/api/servers/${profile.id}/health`)).body.model_loaded).toBe(false);
	});
});

describe('pool settings', () => {
	it('reads the environment defaults and lets only an admin change them', async () => {
		const initial = await get('/api/settings/pool');
		expect(initial.status).toBe(200);
		expect(initial.body).toMatchObject({ max_memory: '80%', max_models: 4, keep_alive: '30m', preload: [], request_timeout: '10m' });
		expect(initial.body.memory_limit_bytes).toBeGreaterThan(0);
		expect((await put('/api/settings/pool', { max_models: 2 })).status).toBe(403);
		expect((await put('/api/settings/pool', { max_memory: 'lots' }, admin)).status).toBe(400);
		expect((await put('/api/settings/pool', { preload: ['no-such-profile'] }, admin)).status).toBe(400);
		expect((await put('/api/settings/pool', { max_models: 0 }, admin)).status).toBe(400);
		expect((await put('/api/settings/pool', { request_timeout: 'soon' }, admin)).status).toBe(400);
		const changed = await put('/api/settings/pool', { max_memory: '2GB', keep_alive: '10m' }, admin);
		expect(changed.status).toBe(200);
		expect(changed.body).toMatchObject({ max_memory: '2GB', keep_alive: '10m', max_models: 4, memory_limit_bytes: 2 * 1024 ** 3 });
		expect((await get('/api/settings/pool')).body).toMatchObject({ max_memory: '2GB', keep_alive: '10m' });
	});

	it('with max models 1, using a second model evicts the first', async () => {
		expect((await put('/api/settings/pool', { max_models: 1 }, admin)).status).toBe(200);
		const chat = (model: string) =>
			post('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
		expect((await chat(A)).status).toBe(200);
		expect((await get('/api/servers/models')).body.map((m: { model_id: string }) => m.model_id)).toEqual([A]);
		expect((await chat(B)).status).toBe(200);
		const loaded = await until(() => get('/api/servers/models'), (r) => r.body.length === 1);
		expect(loaded.body.map((m: { model_id: string }) => m.model_id)).toEqual([B]);
	});
});
