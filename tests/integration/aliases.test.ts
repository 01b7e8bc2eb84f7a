/**
 * Model aliases: a profile answers to the names tools hard-code (`gpt-4o`, `claude-sonnet-4-5`) on
 * every `/v1` endpoint, `/v1/models` lists them, and an alias that would shadow another name is refused.
 */
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { call, signUp, startServer, tempDir, type SignedIn, type TestServer } from '../helpers/server';

const MODEL = 'test/tiny/tiny.gguf';
let server: TestServer;
let admin: SignedIn;
let openai: OpenAI;
let profileId: string;

beforeAll(async () => {
	const dataDir = tempDir();
	writeTinyLlama(path.join(dataDir, 'models', MODEL), {});
	server = await startServer({ dataDir });
	admin = await signUp(server, 'admin@example.com');
	openai = new OpenAI({ apiKey: admin.token, baseURL: `${server.url}/v1`, maxRetries: 0 });
	const profile = await call(server, 'POST', '/api/profiles', {
		token: admin.token,
		body: { name: 'tiny', model_id: MODEL, context_size: 1024, max_tokens: 4, aliases: ['gpt-4o', 'claude-sonnet-4-5', 'gpt-4o'] }
	});
	expect(profile.status).toBe(201);
	expect(profile.body.aliases).toEqual(['gpt-4o', 'claude-sonnet-4-5']);
	profileId = profile.body.id;
});

afterAll(async () => {
	await server?.stop();
});

describe('model aliases', () => {
	it('are listed by /v1/models and found by /v1/models/{id}', async () => {
		const ids = [];
		for await (const model of openai.models.list()) ids.push(model.id);
		expect(ids).toEqual(expect.arrayContaining(['tiny', 'gpt-4o', 'claude-sonnet-4-5', MODEL]));
		expect(await openai.models.retrieve('gpt-4o')).toMatchObject({ id: 'gpt-4o', object: 'model' });
	});

	it('are accepted by every endpoint, and run the profile', async () => {
		const chat = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });
		expect(chat.model).toBe('gpt-4o');
		// The profile's max_tokens (4) applies.
		expect(chat.usage!.completion_tokens).toBe(4);
		const completion = await openai.completions.create({ model: 'gpt-4o', prompt: 'Once' });
		expect(completion.usage!.completion_tokens).toBe(4);
		const embedding = await openai.embeddings.create({ model: 'gpt-4o', input: 'hello' });
		expect(embedding.data[0].embedding.length).toBeGreaterThan(0);
		const response = await openai.responses.create({ model: 'gpt-4o', input: 'Hi' });
		expect(response.usage!.output_tokens).toBe(4);
		const anthropic = new Anthropic({ apiKey: admin.token, baseURL: server.url, maxRetries: 0 });
		const message = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 3, messages: [{ role: 'user', content: 'Hi' }] });
		expect(message).toMatchObject({ model: 'claude-sonnet-4-5', usage: { output_tokens: 3 } });
		const count = await anthropic.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi' }] });
		expect(count.input_tokens).toBeGreaterThan(0);
	});

	it('let a key limited to an alias use the profile by that name', async () => {
		const key = await call(server, 'POST', '/api/auth/api-keys', { token: admin.token, body: { name: 'agent', allowed_models: ['gpt-4o'] } });
		const limited = new OpenAI({ apiKey: key.body.key, baseURL: `${server.url}/v1`, maxRetries: 0 });
		const res = await limited.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });
		expect(res.choices[0].message.content!.length).toBeGreaterThan(0);
		const refused = await limited.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }] }).catch((e) => e);
		expect(refused.status).toBe(403);
	});

	it('may not shadow another profile, another alias or a local model (400), and a refused save changes nothing', async () => {
		const other = await call(server, 'POST', '/api/profiles', { token: admin.token, body: { name: 'other', model_id: MODEL } });
		expect(other.status).toBe(201);
		const cases: [string, unknown][] = [
			['another profile’s alias', ['gpt-4o']],
			['another profile’s name', ['tiny']],
			['its own name', ['other']],
			['a local model id', [MODEL]],
			['anything that looks like a model file', ['some/where/file.GGUF']],
			['junk', ['has space']]
		];
		for (const [what, aliases] of cases) {
			const res = await call(server, 'PUT', `/api/profiles/${other.body.id}`, { token: admin.token, body: { aliases } });
			expect(res.status, what).toBe(400);
			expect(typeof res.body.detail, what).toBe('string');
		}
		const created = await call(server, 'POST', '/api/profiles', { token: admin.token, body: { name: 'third', model_id: MODEL, aliases: ['claude-sonnet-4-5'] } });
		expect(created.status).toBe(400);
		expect(created.body.code).toBe('alias_conflict');
		// A profile may not take a name that is already an alias.
		const named = await call(server, 'POST', '/api/profiles', { token: admin.token, body: { name: 'gpt-4o', model_id: MODEL } });
		expect(named.status).toBe(409);
		const after = await call(server, 'GET', `/api/profiles/${other.body.id}`, { token: admin.token });
		expect(after.body.aliases).toEqual([]);
		const list = await call(server, 'GET', '/api/profiles', { token: admin.token });
		expect(list.body.map((p: { name: string }) => p.name).sort()).toEqual(['other', 'tiny']);
	});

	it('can be changed, and a duplicate starts without them', async () => {
		const put = await call(server, 'PUT', `/api/profiles/${profileId}`, { token: admin.token, body: { aliases: ['gpt-4.1'] } });
		expect(put.status).toBe(200);
		expect(put.body.aliases).toEqual(['gpt-4.1']);
		const old = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] }).catch((e) => e);
		expect(old.status).toBe(404);
		const copy = await call(server, 'POST', `/api/profiles/${profileId}/duplicate`, { token: admin.token });
		expect(copy.status).toBe(201);
		expect(copy.body.aliases).toEqual([]);
	});
});
