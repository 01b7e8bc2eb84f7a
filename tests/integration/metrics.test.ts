import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { countOf, labelValues, parseMetrics, typeOf, valueOf, type Scrape } from '../helpers/prometheus';
import { ROOT, call, signUp, startServer, tempDir, until, type SignedIn, type TestServer } from '../helpers/server';

const MODEL = 'test/tiny/tiny.gguf';
const METRICS_TOKEN = 'metrics-token-for-the-scraper-0123';
let server: TestServer;
let admin: SignedIn;
let user: SignedIn;

async function scrape(target: TestServer, token: string): Promise<Scrape> {
	const res = await fetch(`${target.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
	expect(res.status).toBe(200);
	expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
	return parseMetrics(await res.text());
}

beforeAll(async () => {
	const dataDir = tempDir();
	writeTinyLlama(path.join(dataDir, 'models', MODEL), {});
	server = await startServer({ dataDir, env: { LLM_MANAGER_METRICS_TOKEN: METRICS_TOKEN } });
	admin = await signUp(server, 'admin@example.com');
	user = await signUp(server, 'user@example.com', 'user-password-1', admin.token);
});
afterAll(async () => {
	await server?.stop();
});

describe('/metrics', () => {
	it('is refused without the metrics token or an admin credential', async () => {
		const anonymous = await call(server, 'GET', '/metrics');
		expect(anonymous.status).toBe(401);
		expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
		expect((await call(server, 'GET', '/metrics', { token: 'metrics-token-but-wrong-000000' })).status).toBe(401);
		expect((await call(server, 'GET', '/metrics', { token: user.token })).status).toBe(403);
		expect((await call(server, 'GET', '/metrics', { cookie: user.cookie })).status).toBe(403);
		const key = await call(server, 'POST', '/api/auth/api-keys', { token: user.token, body: { name: 'not for metrics' } });
		expect((await call(server, 'GET', '/metrics', { token: key.body.key })).status).toBe(403);
		expect(anonymous.body).not.toContain('llm_manager_');
		// The admin's own credentials work as well as the token.
		expect((await call(server, 'GET', '/metrics', { token: admin.token })).status).toBe(200);
		expect((await call(server, 'GET', '/metrics', { cookie: admin.cookie })).status).toBe(200);
	});

	it('parses as Prometheus text with process, pool, download and audit metrics', async () => {
		const families = await scrape(server, METRICS_TOKEN);
		const names = families.families.map((f) => f.name);
		for (const name of [
			'process_cpu_user_seconds_total',
			'process_resident_memory_bytes',
			'nodejs_eventloop_lag_seconds',
			'llm_manager_pool_memory_used_bytes',
			'llm_manager_pool_memory_limit_bytes',
			'llm_manager_models_loaded',
			'llm_manager_downloads',
			'llm_manager_download_bytes',
			'llm_manager_audit_queue_rows',
			'llm_manager_requests_total',
			'llm_manager_request_duration_seconds',
			'llm_manager_time_to_first_token_seconds',
			'llm_manager_queue_wait_seconds'
		]) {
			expect(names, name).toContain(name);
		}
		expect(typeOf(families, 'llm_manager_request_duration_seconds')).toBe('HISTOGRAM');
		expect(typeOf(families, 'llm_manager_requests_total')).toBe('COUNTER');
		expect(valueOf(families, 'llm_manager_pool_memory_limit_bytes')).toBeGreaterThan(0);
		expect(valueOf(families, 'llm_manager_models_loaded')).toBe(0);
		expect(labelValues(families, 'llm_manager_downloads', 'status')).toEqual(
			expect.arrayContaining(['pending', 'downloading', 'paused', 'failed'])
		);
	});

	it('counters, histograms and pool gauges move after a /v1 request', async () => {
		const labels = { model: MODEL, endpoint: '/v1/chat/completions' };
		const before = await scrape(server, METRICS_TOKEN);
		const client = new OpenAI({ apiKey: user.token, baseURL: `${server.url}/v1`, maxRetries: 0 });
		const res = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 5 });
		const after = await until(
			() => scrape(server, METRICS_TOKEN),
			(f) => valueOf(f, 'llm_manager_requests_total', labels) > valueOf(before, 'llm_manager_requests_total', labels)
		);
		expect(valueOf(after, 'llm_manager_requests_total', { ...labels, status: 'success' }) - valueOf(before, 'llm_manager_requests_total', { ...labels, status: 'success' })).toBe(1);
		expect(valueOf(after, 'llm_manager_completion_tokens_total', labels) - valueOf(before, 'llm_manager_completion_tokens_total', labels)).toBe(
			res.usage!.completion_tokens
		);
		expect(valueOf(after, 'llm_manager_prompt_tokens_total', labels) - valueOf(before, 'llm_manager_prompt_tokens_total', labels)).toBe(
			res.usage!.prompt_tokens
		);
		expect(countOf(after, 'llm_manager_request_duration_seconds', labels) - countOf(before, 'llm_manager_request_duration_seconds', labels)).toBe(1);
		expect(countOf(after, 'llm_manager_time_to_first_token_seconds', labels) - countOf(before, 'llm_manager_time_to_first_token_seconds', labels)).toBe(1);
		expect(countOf(after, 'llm_manager_queue_wait_seconds', { model: MODEL })).toBeGreaterThanOrEqual(1);
		// No user label unless it is switched on.
		expect(labelValues(after, 'llm_manager_requests_total', 'user')).toEqual([]);
		// The model stays loaded (keep-alive): the pool gauges show it.
		expect(valueOf(after, 'llm_manager_models_loaded', { state: 'ready' })).toBe(1);
		expect(valueOf(after, 'llm_manager_pool_memory_used_bytes')).toBeGreaterThan(0);
		expect(labelValues(after, 'llm_manager_model_queued_requests', 'model')).toContain(MODEL);
	});

	it('the sample Grafana dashboard only queries metrics the server exports', async () => {
		const dashboard = fs.readFileSync(path.join(ROOT, 'grafana/llm-manager-dashboard.json'), 'utf8');
		const queried = [...new Set(dashboard.match(/\b(?:llm_manager|process|nodejs)_[a-z0-9_]+/g))];
		expect(queried.length).toBeGreaterThan(10);
		const scraped = await scrape(server, METRICS_TOKEN);
		const exported = new Set([...scraped.families, ...scraped.samples].map((f) => f.name));
		expect(queried.filter((name) => !exported.has(name))).toEqual([]);
		expect(JSON.parse(dashboard).panels.length).toBeGreaterThan(10);
	});

	it('counts errors by code, and a made-up model name does not become a series of its own', async () => {
		const invented = `no-such-model-${Date.now()}`;
		const res = await call(server, 'POST', '/v1/chat/completions', {
			token: user.token,
			body: { model: invented, messages: [{ role: 'user', content: 'Hi' }] }
		});
		expect(res.status).toBe(404);
		const families = await until(
			() => scrape(server, METRICS_TOKEN),
			(f) => valueOf(f, 'llm_manager_request_errors_total', { code: 'model_not_found' }) > 0
		);
		expect(valueOf(families, 'llm_manager_request_errors_total', { model: 'unknown', code: 'model_not_found' })).toBe(1);
		expect(valueOf(families, 'llm_manager_requests_total', { model: 'unknown', status: 'error' })).toBe(1);
		for (const f of [...families.families, ...families.samples]) {
			for (const m of f.metrics) expect(Object.values(m.labels ?? {})).not.toContain(invented);
		}
	});
});

describe('/metrics by user (opt-in)', () => {
	it('adds a user label to the request counters when LLM_MANAGER_METRICS_PER_USER is on', async () => {
		const dataDir = tempDir();
		writeTinyLlama(path.join(dataDir, 'models', MODEL), {});
		const perUser = await startServer({ dataDir, env: { LLM_MANAGER_METRICS_PER_USER: 'true' } });
		try {
			const owner = await signUp(perUser, 'owner@example.com');
			const res = await call(perUser, 'POST', '/v1/completions', { token: owner.token, body: { model: MODEL, prompt: 'Hi', max_tokens: 2 } });
			expect(res.status).toBe(200);
			const families = await until(
				() => scrape(perUser, owner.token),
				(f) => valueOf(f, 'llm_manager_requests_total', { user: 'owner@example.com' }) > 0
			);
			expect(valueOf(families, 'llm_manager_requests_total', { user: 'owner@example.com', endpoint: '/v1/completions', status: 'success' })).toBe(1);
			// Histograms stay per model and endpoint only.
			expect(labelValues(families, 'llm_manager_request_duration_seconds', 'user')).toEqual([]);
			// Without a token configured, only an admin's credential opens it.
			expect((await call(perUser, 'GET', '/metrics', { token: METRICS_TOKEN })).status).toBe(401);
		} finally {
			await perUser.stop();
		}
	});
});
