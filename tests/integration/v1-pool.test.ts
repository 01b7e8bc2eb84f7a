import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { call, signUp, startServer, tempDir, type SignedIn, type TestServer, until } from '../helpers/server';

/** The pool under load: queueing, entries with their own options, prompt reuse across turns. */
const MODEL = 'test/tiny/tiny.gguf';
let server: TestServer;
let admin: SignedIn;
let client: OpenAI;

type LoadedModel = { model_id: string; key: string; options: { context_size: number; parallel: number }; active_requests: number; queued_requests: number };
const loaded = async (): Promise<LoadedModel[]> => (await call(server, 'GET', '/api/servers/models', { token: admin.token })).body;

beforeAll(async () => {
	const dataDir = tempDir();
	writeTinyLlama(path.join(dataDir, 'models', MODEL), { contextLength: 2048 });
	server = await startServer({ dataDir, env: { LLM_MANAGER_PARALLEL: '3' } });
	admin = await signUp(server, 'admin@example.com');
	client = new OpenAI({ apiKey: admin.token, baseURL: `${server.url}/v1`, maxRetries: 0 });
	for (const body of [
		{ name: 'two-seats', model_id: MODEL, context_size: 1024, parallel: 2, max_tokens: 64, temperature: 0 },
		{ name: 'small', model_id: MODEL, context_size: 256, parallel: 1, max_tokens: 8 },
		{ name: 'chat', model_id: MODEL, context_size: 1024, parallel: 2, max_tokens: 24, temperature: 0 }
	]) {
		const res = await call(server, 'POST', '/api/profiles', { token: admin.token, body });
		expect(res.status).toBe(201);
	}
});

afterAll(async () => {
	await server?.stop();
});

describe('the pool under load', () => {
	it('runs 8 concurrent streams on a `parallel: 2` profile: all complete, served in arrival order', async () => {
		await call(server, 'POST', `/api/servers/${await profileId('two-seats')}/start`, { token: admin.token });
		await until(loaded, (models) => models.some((m) => m.options.parallel === 2 && m.options.context_size === 1024));
		let done = 0;
		const startedWithDone: number[] = [];
		const run = async (i: number) => {
			const stream = await client.chat.completions.create({
				model: 'two-seats',
				messages: [{ role: 'user', content: `Story number ${i}` }],
				max_tokens: 160,
				stream: true
			});
			let text = '';
			let finish: string | null = null;
			for await (const chunk of stream) {
				const delta = chunk.choices[0]?.delta.content ?? '';
				if (delta && text === '') startedWithDone[i] = done;
				text += delta;
				finish = chunk.choices[0]?.finish_reason ?? finish;
			}
			done++;
			return { text, finish };
		};
		const runs: Promise<{ text: string; finish: string | null }>[] = [];
		for (let i = 0; i < 8; i++) {
			runs.push(run(i));
			// Arrival order: the next request is sent once the server has this one (serving or queued).
			await until(
				async () => (await loaded()).find((m) => m.options.parallel === 2 && m.options.context_size === 1024)!,
				(m) => m.active_requests + m.queued_requests + done >= i + 1
			);
		}
		const results = await Promise.all(runs);
		for (const r of results) {
			expect(r.finish).toBe('length');
			expect(r.text.length).toBeGreaterThan(0);
		}
		// FIFO with two sequences: request i only starts after at least i - 2 earlier ones finished.
		for (let i = 2; i < 8; i++) expect(startedWithDone[i]).toBeGreaterThanOrEqual(i - 2);
		const entry = (await loaded()).find((m) => m.options.parallel === 2 && m.options.context_size === 1024)!;
		expect(entry).toMatchObject({ active_requests: 0, queued_requests: 0 });
	});

	it('runs a bare model id and a profile with another context size each with its own options', async () => {
		// 300 tokens of prompt: more than the 256-token profile holds, fine for the bare id (capped at 2048).
		const long = 'a '.repeat(300);
		const small = await client.chat.completions.create({ model: 'small', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 });
		expect(small.choices[0].message.content!.length).toBeGreaterThan(0);
		const bare = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: long }], max_tokens: 4 });
		expect(bare.usage!.prompt_tokens).toBeGreaterThan(256);
		const models = await loaded();
		expect(models.find((m) => m.options.context_size === 256)).toMatchObject({ options: { parallel: 1 } });
		// A bare id loads with LLM_MANAGER_PARALLEL sequences and the trained context (under the 8192 cap).
		expect(models.find((m) => m.options.context_size === 2048)).toMatchObject({ options: { parallel: 3 } });
		const servers = (await call(server, 'GET', '/api/servers', { token: admin.token })).body;
		expect(servers.find((s: { profile_name: string }) => s.profile_name === 'small')).toMatchObject({
			options: { context_size: 256, parallel: 1 },
			busy_sequences: 0,
			queued_requests: 0
		});
	});

	it('reuses the prompt of earlier turns: cached_tokens > 0, the same temperature-0 answer as a cold run', async () => {
		const turn1 = [{ role: 'user' as const, content: 'Tell me about lighthouses and the sea, at some length please.' }];
		const first = await client.chat.completions.create({ model: 'chat', messages: turn1 });
		const turn2 = [
			...turn1,
			{ role: 'assistant' as const, content: first.choices[0].message.content! },
			{ role: 'user' as const, content: 'And then?' }
		];
		const warm = await client.chat.completions.create({ model: 'chat', messages: turn2 });
		const cached = warm.usage!.prompt_tokens_details?.cached_tokens ?? 0;
		expect(cached).toBeGreaterThan(0);
		expect(cached).toBeLessThan(warm.usage!.prompt_tokens);

		// Cold: unload the profile's model, then the same request from an empty state.
		const stop = await call(server, 'POST', `/api/servers/${await profileId('chat')}/stop`, { token: admin.token });
		expect(stop.status).toBe(200);
		const cold = await client.chat.completions.create({ model: 'chat', messages: turn2 });
		expect(cold.usage!.prompt_tokens_details?.cached_tokens).toBe(0);
		expect(cold.usage!.prompt_tokens).toBe(warm.usage!.prompt_tokens);
		expect(warm.choices[0].message.content).toBe(cold.choices[0].message.content);

		// The audit row of the warm request records the reused tokens.
		const rows = await until(
			async () => (await call(server, 'GET', '/api/system/audit-logs?model=chat&limit=10', { token: admin.token })).body,
			(body) => (body.items ?? body.logs ?? body).length >= 3
		);
		const items: { cached_tokens: number; prompt_tokens: number }[] = rows.items ?? rows.logs ?? rows;
		expect(items.map((r) => r.cached_tokens)).toContain(cached);
	});
});

describe('the local library, cached and kept current', () => {
	it('lists a file dropped into the models dir without a restart, and forgets a deleted one', async () => {
		const ids = async () => {
			const out: string[] = [];
			for await (const model of client.models.list()) out.push(model.id);
			return out;
		};
		expect(await ids()).toContain(MODEL);
		const dropped = 'dropped/by-hand/new-model.gguf';
		const file = path.join(server.dataDir, 'models', dropped);
		writeTinyLlama(file, { seed: 7 });
		expect(await until(ids, (list) => list.includes(dropped))).toContain(dropped);
		const local = (await call(server, 'GET', '/api/models/local', { token: admin.token })).body;
		expect(local.map((m: { id: string }) => m.id)).toContain(dropped);
		const answer = await client.chat.completions.create({ model: dropped, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
		expect(answer.choices[0].message.content!.length).toBeGreaterThan(0);

		fs.rmSync(path.dirname(path.dirname(file)), { recursive: true });
		expect(await until(ids, (list) => !list.includes(dropped))).not.toContain(dropped);
		expect(await ids()).toContain(MODEL);
	});
});

async function profileId(name: string): Promise<string> {
	const list = (await call(server, 'GET', '/api/profiles', { token: admin.token })).body;
	return (list.items ?? list).find((p: { name: string }) => p.name === name).id;
}
