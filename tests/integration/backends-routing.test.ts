/**
 * Configuring routing against small fake upstreams: "Test" names the reason of a failure, only the
 * backend's own credentials go upstream, rules match by exact name, prefix, glob and regex (local
 * models win unless a rule overrides them), and bad requests never reach a backend.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALPHA_KEY, LOCAL, startBackendsEnv, type BackendsEnv } from '../helpers/backends';
import type { FakeUpstream } from '../helpers/fake-upstream';
import { call, freePort, type SignedIn, type TestServer } from '../helpers/server';

let env: BackendsEnv;
let server: TestServer;
let admin: SignedIn;
let alpha: FakeUpstream;
let beta: FakeUpstream;
let claude: FakeUpstream;
let openai: OpenAI;
let ids: Record<string, string>;
let addBackend: BackendsEnv['addBackend'];
let addRule: BackendsEnv['addRule'];
let health: BackendsEnv['health'];
let routeOf: BackendsEnv['routeOf'];
let ask: BackendsEnv['ask'];

beforeAll(async () => {
	env = await startBackendsEnv();
	({ server, admin, alpha, beta, claude, openai, ids, addBackend, addRule, health, routeOf, ask } = env);
});

afterAll(async () => {
	await env?.close();
});

describe('"Test" says why a backend fails', () => {
	it('a refused key, a refused connection, a timeout', async () => {
		alpha.setMode({ kind: 'status', status: 401, body: { error: { message: 'Incorrect API key provided' } } });
		const badKey = await call(server, 'POST', `/api/backends/${ids.alpha}/test`, { token: admin.token });
		expect(badKey.body).toMatchObject({ ok: false, reason: 'bad_key' });
		expect(badKey.body.message).toContain('Incorrect API key provided');

		const closed = await addBackend({ name: 'nowhere', base_url: `http://127.0.0.1:${await freePort()}/v1` });
		expect(closed.health.status).toBe('unknown');
		expect(closed.health.last_error).toMatch(/connection refused/);
		const refused = await call(server, 'POST', `/api/backends/${ids.nowhere}/test`, { token: admin.token });
		expect(refused.body).toMatchObject({ ok: false, reason: 'refused' });

		alpha.setMode({ kind: 'hang' });
		await call(server, 'PATCH', `/api/backends/${ids.alpha}`, { token: admin.token, body: { timeout_ms: 500 } });
		const timeout = await call(server, 'POST', `/api/backends/${ids.alpha}/test`, { token: admin.token });
		expect(timeout.body).toMatchObject({ ok: false, reason: 'timeout' });

		alpha.setMode({ kind: 'ok' });
		const good = await call(server, 'POST', `/api/backends/${ids.alpha}/test`, { token: admin.token });
		expect(good.body).toMatchObject({ ok: true, models: ['alpha-model'] });
		expect((await health('alpha')).status).toBe('up');
		await call(server, 'DELETE', `/api/backends/${ids.nowhere}`, { token: admin.token });
	});

	it('sends only the backend\'s own credentials upstream, never the caller\'s', async () => {
		const models = alpha.received.filter((r) => r.path === '/v1/models');
		expect(models.at(-1)!.headers.authorization).toBe(`Bearer ${ALPHA_KEY}`);
		await ask('alpha-model');
		await call(server, 'PATCH', `/api/backends/${ids.alpha}`, { token: admin.token, body: { extra_headers: { 'X-Team': 'research', 'OpenAI-Organization': 'org-42' } } });
		await ask('alpha-model');
		const chat = alpha.received.filter((r) => r.path === '/v1/chat/completions').at(-1)!;
		expect(chat.headers.authorization).toBe(`Bearer ${ALPHA_KEY}`);
		expect(chat.headers['x-team']).toBe('research');
		expect(chat.headers['openai-organization']).toBe('org-42');
		const listed = (await call(server, 'GET', `/api/backends/${ids.alpha}`, { token: admin.token })).body;
		expect(listed.extra_headers).toEqual(['X-Team', 'OpenAI-Organization']);
		expect(JSON.stringify(listed)).not.toContain('org-42');
		expect(chat.headers.cookie).toBeUndefined();
		expect(JSON.stringify(chat.headers)).not.toContain(admin.token);
	});
});

describe('streaming', () => {
	it('forwards each event as it arrives: the first reaches the client while the backend still holds the rest', async () => {
		alpha.setMode({ kind: 'held' });
		try {
			const stream = await openai.chat.completions.create({ model: 'alpha-model', messages: [{ role: 'user', content: 'Hi' }], stream: true });
			const events = stream[Symbol.asyncIterator]();
			const first = await events.next();
			expect(first.value?.choices[0].delta.content).toBe('first');
			alpha.release();
			let rest = '';
			for (let e = await events.next(); !e.done; e = await events.next()) rest += e.value.choices[0]?.delta.content ?? '';
			expect(rest).toBe(' rest');
		} finally {
			alpha.release();
			alpha.setMode({ kind: 'ok' });
		}
	});
});

describe('routing rules', () => {
	it('match exact, prefix, glob and regex names by priority; local models win unless a rule overrides', async () => {
		await addRule({ match_type: 'glob', pattern: 'team-*', backend_id: ids.alpha, fallback_backend_id: ids.beta, priority: 10 });
		await addRule({ match_type: 'regex', pattern: '^re-\\d+$', backend_id: ids.beta });
		await addRule({ match_type: 'prefix', pattern: 'pre/', backend_id: ids.beta });
		await addRule({ match_type: 'exact', pattern: 'exact-one', backend_id: ids.alpha, target_model: 'alpha-model' });
		await addRule({ match_type: 'glob', pattern: 'team-special', backend_id: ids.beta, priority: 1 });
		await addRule({ match_type: 'glob', pattern: 'test/*', backend_id: ids.beta });
		expect(await routeOf('team-x')).toMatchObject({ target: 'remote', backend: 'alpha', upstream_model: 'team-x', fallback: 'beta' });
		expect(await routeOf('team-special')).toMatchObject({ backend: 'alpha' });
		expect(await routeOf('re-42')).toMatchObject({ backend: 'beta' });
		expect((await routeOf('re-4x')).target).toBe('local');
		expect(await routeOf('pre/model')).toMatchObject({ backend: 'beta', upstream_model: 'pre/model' });
		expect(await routeOf('exact-one')).toMatchObject({ backend: 'alpha', upstream_model: 'alpha-model' });
		expect(await routeOf('anthropic/claude-fake-1')).toMatchObject({ backend: 'claude', upstream_model: 'claude-fake-1', rule_id: null });
		// A local model beats a rule that matches it…
		expect((await routeOf(LOCAL)).target).toBe('local');
		// …unless the rule says otherwise.
		const override = await addRule({ match_type: 'exact', pattern: LOCAL, backend_id: ids.beta, override_local: true });
		expect(await routeOf(LOCAL)).toMatchObject({ target: 'remote', backend: 'beta' });
		await call(server, 'DELETE', `/api/routing/rules/${override.id}`, { token: admin.token });
		expect((await routeOf(LOCAL)).target).toBe('local');
		// And the local model still answers, its request body intact, with no backend in its audit row.
		const local = await openai.chat.completions.create({ model: LOCAL, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 3 });
		expect(local.usage?.completion_tokens).toBeGreaterThan(0);
		const count = await call(server, 'POST', '/v1/messages/count_tokens', { token: admin.token, body: { model: LOCAL, messages: [{ role: 'user', content: 'Hi' }] } });
		expect(count.body.input_tokens).toBeGreaterThan(0);
	});

	it('refuses bad rules', async () => {
		for (const body of [
			{ match_type: 'regex', pattern: '(', backend_id: ids.alpha },
			{ match_type: 'exact', pattern: 'x', backend_id: 'no-such-backend' },
			{ match_type: 'exact', pattern: 'x', backend_id: ids.alpha, fallback_backend_id: ids.alpha },
			{ match_type: 'sometimes', pattern: 'x', backend_id: ids.alpha }
		]) {
			const res = await call(server, 'POST', '/api/routing/rules', { token: admin.token, body });
			expect(res.status, JSON.stringify(body)).toBe(400);
		}
	});
});

describe('bad requests while backends are configured', () => {
	it('malformed, oversized and invalid bodies get a clear 4xx, and nothing reaches a backend', async () => {
		const seen = alpha.received.length + beta.received.length;
		const send = (body: string | Buffer) =>
			fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, body: body as BodyInit }).then(
				async (r) => ({ status: r.status, body: await r.json() })
			);
		for (const [body, status] of [
			['{"model": "team-x",', 400],
			['[1, 2]', 400],
			['{"model": 42, "messages": []}', 400],
			[Buffer.alloc(17 * 1024 * 1024, 'a'), 413]
		] as const) {
			const res = await send(body);
			expect(res.status, String(body).slice(0, 40)).toBe(status);
			expect(typeof res.body.error.message).toBe('string');
		}
		expect(alpha.received.length + beta.received.length).toBe(seen);
	});
});
