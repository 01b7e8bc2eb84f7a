/**
 * Hostile files in the models dir against the built server: metadata llama.cpp would abort on, a chat
 * template that runs away, and symbolic links out of the models dir. None of them takes the server down
 * or stalls it; none is listed as usable or can be used; nothing outside the models dir is touched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { call, signUp, startServer, tempDir, type SignedIn, type TestServer } from '../helpers/server';

const GOOD = 'good-org/tiny-GGUF/tiny-Q8_0.gguf';
const HEADS = 'evil-org/heads-GGUF/heads-Q8_0.gguf';
const TEMPLATE = 'evil-org/template-GGUF/template-Q8_0.gguf';

let server: TestServer;
let admin: SignedIn;
let outside: string;
let models: string;

const chat = (model: string) =>
	call(server, 'POST', '/v1/chat/completions', {
		token: admin.token,
		body: { model, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 4 }
	});
const local = async () => (await call(server, 'GET', '/api/models/local', { token: admin.token })).body as any[];

beforeAll(async () => {
	const dataDir = tempDir();
	models = path.join(dataDir, 'models');
	writeTinyLlama(path.join(models, GOOD), {});
	writeTinyLlama(path.join(models, HEADS), { metadata: { 'llama.attention.head_count': 0, 'llama.attention.head_count_kv': 0 } });
	// Renders a list of a billion items: it would exhaust this process's memory where it runs.
	writeTinyLlama(path.join(models, TEMPLATE), { chatTemplate: '{% for i in range(1000000000) %}{{ i }}{% endfor %}' });

	// Outside the models dir: a model and a text file, reached through links from inside.
	outside = tempDir('llm-manager-outside-');
	writeTinyLlama(path.join(outside, 'victim-Q8_0.gguf'), {});
	fs.writeFileSync(path.join(outside, 'notes.txt'), 'not a model');
	fs.mkdirSync(path.join(models, 'link-org/files-GGUF'), { recursive: true });
	fs.symlinkSync(outside, path.join(models, 'link-org/dir-GGUF'));
	fs.symlinkSync(path.join(outside, 'victim-Q8_0.gguf'), path.join(models, 'link-org/files-GGUF/victim-Q8_0.gguf'));
	fs.symlinkSync(path.join(outside, 'notes.txt'), path.join(models, 'link-org/files-GGUF/notes-Q8_0.gguf'));
	// A link that stays inside the models dir is an ordinary entry.
	fs.mkdirSync(path.join(models, 'good-org/alias-GGUF'), { recursive: true });
	fs.symlinkSync(path.join(models, GOOD), path.join(models, 'good-org/alias-GGUF/alias-Q8_0.gguf'));

	server = await startServer({ dataDir });
	admin = await signUp(server, 'admin@example.com');
});
afterAll(async () => {
	await server?.stop();
});

describe('a model file with metadata llama.cpp asserts on', () => {
	it('is listed unusable with the reason, and a chat with it is refused while the server runs on', async () => {
		const heads = (await local()).find((m) => m.id === HEADS);
		expect(heads).toMatchObject({ usable: false });
		expect(heads.error).toContain('head_count is 0');
		const res = await chat(HEADS);
		expect(res.status).toBe(422);
		expect(JSON.stringify(res.body)).toContain('head_count is 0');
		expect((await call(server, 'GET', '/health')).status).toBe(200);
		expect(server.process.exitCode).toBeNull();
	});
});

describe('a model file whose chat template runs away', () => {
	it('is checked in a child process at first use, refused, and listed unusable; /health answers throughout', async () => {
		expect((await local()).find((m) => m.id === TEMPLATE)).toMatchObject({ usable: true });
		let chatDone = false;
		const res = chat(TEMPLATE).finally(() => (chatDone = true));
		let healthChecks = 0;
		while (!chatDone) {
			const health = await call(server, 'GET', '/health');
			expect(health.status).toBe(200);
			healthChecks++;
			await new Promise((r) => setTimeout(r, 50));
		}
		expect(healthChecks).toBeGreaterThan(0);
		const refused = await res;
		expect(refused.status).toBe(422);
		const listed = (await local()).find((m) => m.id === TEMPLATE);
		expect(listed.usable).toBe(false);
		expect(listed.error).toMatch(/chat template/);
		// The verdict is kept: the second request is refused at once, without another check.
		expect((await chat(TEMPLATE)).status).toBe(422);
		expect(server.logs().match(/model file unusable/g)).toHaveLength(1);
		expect(server.process.exitCode).toBeNull();
	});

	it('leaves a sound model usable: it passes the check and answers', async () => {
		const res = await chat(GOOD);
		expect(res.status).toBe(200);
		expect(res.body.choices[0].message.content.length).toBeGreaterThan(0);
		expect((await local()).find((m) => m.id === GOOD)).toMatchObject({ usable: true, error: null });
	});
});

describe('symbolic links out of the models dir', () => {
	it('are not listed, cannot be used and cannot be deleted; the files outside stay', async () => {
		const ids = (await local()).map((m) => m.id);
		expect(ids.filter((id) => id.startsWith('link-org/'))).toEqual([]);
		expect(ids).toContain('good-org/alias-GGUF/alias-Q8_0.gguf');
		for (const id of ['link-org/dir-GGUF/victim-Q8_0.gguf', 'link-org/files-GGUF/victim-Q8_0.gguf', 'link-org/files-GGUF/notes-Q8_0.gguf']) {
			expect((await chat(id)).status).toBe(404);
			const del = await call(server, 'DELETE', `/api/models/${id}`, { token: admin.token });
			expect(del.status).toBe(404);
		}
		expect(fs.existsSync(path.join(outside, 'victim-Q8_0.gguf'))).toBe(true);
		expect(fs.existsSync(path.join(outside, 'notes.txt'))).toBe(true);
	});
});
