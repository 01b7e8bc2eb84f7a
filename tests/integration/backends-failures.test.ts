/**
 * Failures of remote backends, against small fake upstreams: 5xx and timeouts fall back, repeated
 * failures mark a backend down (and a good check up again), errors arrive in the calling API's
 * envelope, a rate limit keeps its Retry-After, a dropped stream ends with an error, and the request
 * time limit applies.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackendsEnv, type BackendsEnv } from '../helpers/backends';
import type { FakeUpstream } from '../helpers/fake-upstream';
import { call, until, type SignedIn, type TestServer } from '../helpers/server';

let env: BackendsEnv;
let server: TestServer;
let admin: SignedIn;
let alpha: FakeUpstream;
let beta: FakeUpstream;
let openai: OpenAI;
let ids: Record<string, string>;
let addRule: BackendsEnv['addRule'];
let health: BackendsEnv['health'];
let ask: BackendsEnv['ask'];

beforeAll(async () => {
	env = await startBackendsEnv({ timeout_ms: 500 });
	({ server, admin, alpha, beta, openai, ids, addRule, health, ask } = env);
	await addRule({ match_type: 'glob', pattern: 'team-*', backend_id: ids.alpha, fallback_backend_id: ids.beta, priority: 10 });
	await addRule({ match_type: 'exact', pattern: 'exact-one', backend_id: ids.alpha, target_model: 'alpha-model' });
});

afterAll(async () => {
	await env?.close();
});

describe('failures', () => {
	it('a timeout falls back, and the abandoned upstream request is closed', async () => {
		alpha.setMode({ kind: 'hang' });
		const closedBefore = alpha.closedEarly();
		const answer = await ask('team-x');
		expect(answer.choices[0].message.content).toBe('hello from beta');
		await until(async () => alpha.closedEarly(), (n) => n > closedBefore);
		expect(alpha.closedEarly()).toBeGreaterThan(closedBefore);
	});

	it('5xx falls back; repeated failures mark the backend down (skipped), a good check marks it up', async () => {
		alpha.setMode({ kind: 'ok' });
		await call(server, 'POST', `/api/backends/${ids.alpha}/test`, { token: admin.token });
		alpha.setMode({ kind: 'status', status: 503 });
		for (let i = 0; i < 3; i++) expect((await ask('team-x')).choices[0].message.content).toBe('hello from beta');
		expect((await health('alpha')).status).toBe('down');
		const seen = alpha.received.length;
		expect((await ask('team-x')).choices[0].message.content).toBe('hello from beta');
		expect(alpha.received.length).toBe(seen);
		alpha.setMode({ kind: 'ok' });
		expect((await call(server, 'POST', `/api/backends/${ids.alpha}/test`, { token: admin.token })).body.ok).toBe(true);
		expect((await health('alpha')).status).toBe('up');
		expect((await ask('team-x')).choices[0].message.content).toBe('hello from alpha');
	});

	it('without a fallback the error arrives in the calling API envelope; a 4xx keeps its status', async () => {
		alpha.setMode({ kind: 'status', status: 500 });
		const err = await ask('exact-one').catch((e) => e);
		expect(err).toBeInstanceOf(OpenAI.APIError);
		expect(err.status).toBe(502);
		expect(err.message).toMatch(/Backend 'alpha': 500/);
		alpha.setMode({ kind: 'status', status: 400, body: { error: { message: 'max_tokens is too large' } } });
		const betaSeen = beta.received.length;
		const bad = await ask('team-x').catch((e) => e);
		expect(bad.status).toBe(400);
		expect(bad.message).toContain('max_tokens is too large');
		expect(beta.received.length).toBe(betaSeen);
		const anthropicClient = new Anthropic({ apiKey: admin.token, baseURL: server.url, maxRetries: 0 });
		const viaMessages = await anthropicClient.messages.create({ model: 'exact-one', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] }).catch((e) => e);
		expect(viaMessages).toBeInstanceOf(Anthropic.APIError);
		expect(viaMessages.status).toBe(400);
		expect(viaMessages.error?.type).toBe('error');
		alpha.setMode({ kind: 'ok' });
	});

	it("a backend's rate limit keeps its status and Retry-After", async () => {
		alpha.setMode({ kind: 'status', status: 429, body: { error: { message: 'Rate limit reached' } }, headers: { 'retry-after': '7' } });
		const res = await call(server, 'POST', '/v1/chat/completions', { token: admin.token, body: { model: 'exact-one', messages: [{ role: 'user', content: 'Hi' }] } });
		expect(res.status).toBe(429);
		expect(res.headers.get('retry-after')).toBe('7');
		expect(res.body.error.message).toContain('Rate limit reached');
		alpha.setMode({ kind: 'ok' });
	});

	it('a stream the backend drops midway ends with an error event, audited as an error', async () => {
		alpha.setMode({ kind: 'break' });
		const stream = await openai.chat.completions.create({ model: 'exact-one', messages: [{ role: 'user', content: 'Hi' }], stream: true });
		let text = '';
		const err = await (async () => {
			for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
		})().catch((e) => e);
		expect(text).toBe('partial');
		expect(err).toBeInstanceOf(Error);
		expect(String(err.message)).toMatch(/stream broke off/);
		const rows = await until(
			async () => (await call(server, 'GET', '/api/system/audit-logs?limit=5', { token: admin.token })).body.items as any[],
			(r) => r.some((x) => x.error_type === 'backend_network')
		);
		expect(rows.find((r) => r.error_type === 'backend_network')).toMatchObject({ backend: 'alpha', status: 'error' });
		alpha.setMode({ kind: 'ok' });
	});

	it('the request time limit applies to a remote backend, and the abandoned upstream request is closed', async () => {
		await call(server, 'PATCH', `/api/backends/${ids.alpha}`, { token: admin.token, body: { timeout_ms: 60_000 } });
		expect((await call(server, 'PUT', '/api/settings/pool', { token: admin.token, body: { request_timeout: '1s' } })).status).toBe(200);
		alpha.setMode({ kind: 'hang' });
		const closedBefore = alpha.closedEarly();
		try {
			const err = await ask('exact-one').catch((e) => e);
			expect(err.status).toBe(504);
			expect(err.code).toBe('timeout');
			await until(async () => alpha.closedEarly(), (n) => n > closedBefore);
			expect(alpha.closedEarly()).toBeGreaterThan(closedBefore);
		} finally {
			await call(server, 'PUT', '/api/settings/pool', { token: admin.token, body: { request_timeout: '10m' } });
			alpha.setMode({ kind: 'ok' });
		}
	});

	it('audits which backend served, or failed', async () => {
		const rows = await until(
			async () => (await call(server, 'GET', '/api/system/audit-logs?limit=200', { token: admin.token })).body.items as any[],
			(r) => r.some((x) => x.backend === 'alpha' && x.status === 'error')
		);
		expect(rows.filter((r) => r.backend === 'beta' && r.model === 'team-x' && r.status === 'success').length).toBeGreaterThanOrEqual(5);
		expect(rows.find((r) => r.backend === 'alpha' && r.status === 'error')?.error_type).toMatch(/^backend_/);
	});
});
