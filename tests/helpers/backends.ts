/**
 * The setup of the remote-backend tests: the built server (with a small local model), three fake
 * upstreams — `alpha` and `beta` (OpenAI-shaped) and `claude` (Anthropic-shaped, prefix `anthropic`)
 * — added as backends, and helpers to add rules and read health and routes.
 */
import path from 'node:path';
import OpenAI from 'openai';
import { expect } from 'vitest';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { startFakeUpstream, type FakeUpstream } from './fake-upstream';
import { call, signUp, startServer, tempDir, type SignedIn, type TestServer } from './server';

export const LOCAL = 'test/tiny/tiny.gguf';
export const ALPHA_KEY = 'alpha-secret-key-9876';
export const CLAUDE_KEY = 'sk-ant-fake-secret-abcd';

export type BackendsEnv = {
	server: TestServer;
	admin: SignedIn;
	alpha: FakeUpstream;
	beta: FakeUpstream;
	claude: FakeUpstream;
	openai: OpenAI;
	/** Backend ids by name. */
	ids: Record<string, string>;
	addBackend: (body: Record<string, unknown>) => Promise<any>;
	addRule: (body: Record<string, unknown>) => Promise<any>;
	health: (name: string) => Promise<any>;
	routeOf: (model: string) => Promise<any>;
	ask: (model: string) => Promise<OpenAI.ChatCompletion>;
	close: () => Promise<void>;
};

export async function startBackendsEnv(alphaOptions: Record<string, unknown> = {}): Promise<BackendsEnv> {
	const dataDir = tempDir();
	writeTinyLlama(path.join(dataDir, 'models', LOCAL), { contextLength: 512 });
	const [server, alpha, beta, claude] = await Promise.all([
		startServer({ dataDir }),
		startFakeUpstream({ name: 'alpha' }),
		startFakeUpstream({ name: 'beta' }),
		startFakeUpstream({ name: 'claude', kind: 'anthropic', key: CLAUDE_KEY })
	]);
	const admin = await signUp(server, 'admin@example.com');
	const openai = new OpenAI({ apiKey: admin.token, baseURL: `${server.url}/v1`, maxRetries: 0 });
	const ids: Record<string, string> = {};
	const addBackend = async (body: Record<string, unknown>) => {
		const res = await call(server, 'POST', '/api/backends', { token: admin.token, body });
		expect(res.status, JSON.stringify(res.body)).toBe(201);
		ids[body.name as string] = res.body.id;
		return res.body;
	};
	const addRule = async (body: Record<string, unknown>) => {
		const res = await call(server, 'POST', '/api/routing/rules', { token: admin.token, body });
		expect(res.status, JSON.stringify(res.body)).toBe(201);
		return res.body;
	};
	await addBackend({ name: 'alpha', base_url: alpha.baseUrl, api_key: ALPHA_KEY, ...alphaOptions });
	await addBackend({ name: 'beta', base_url: beta.baseUrl, timeout_ms: 5000 });
	await addBackend({ name: 'claude', kind: 'anthropic', base_url: claude.baseUrl, api_key: CLAUDE_KEY, prefix: 'anthropic' });
	return {
		server,
		admin,
		alpha,
		beta,
		claude,
		openai,
		ids,
		addBackend,
		addRule,
		health: async (name) => (await call(server, 'GET', `/api/backends/${ids[name]}`, { token: admin.token })).body.health,
		routeOf: async (model) => (await call(server, 'POST', '/api/routing/test', { token: admin.token, body: { model } })).body,
		ask: (model) => openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }] }),
		close: async () => {
			await server.stop();
			await Promise.all([alpha.close(), beta.close(), claude.close()]);
		}
	};
}
