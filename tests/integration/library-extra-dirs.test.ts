/**
 * Extra models dirs (`LLM_MANAGER_EXTRA_MODEL_DIRS`) against the built server: models another tool
 * downloaded — the Hugging Face cache layout, llama.cpp's `-hf` cache, an LM Studio models folder —
 * are listed with their source, answer chats where they are, and are never written or deleted there.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { call, signUp, startServer, tempDir, type SignedIn, type TestServer } from '../helpers/server';

const HF = 'hf-org/cached-GGUF/cached-Q4_K_M.gguf';
const HF_SPLIT = 'hf-org/cached-GGUF/Q8_0/cached-Q8_0-00001-of-00002.gguf';
const LLAMA = 'flat-org/flat_model-GGUF/flat-Q4_K_M.gguf';
const STUDIO = 'studio-org/studio-GGUF/studio-Q8_0.gguf';
const SHADOWED = 'both-org/both-GGUF/both-Q4_K_M.gguf';

let server: TestServer;
let admin: SignedIn;
let user: SignedIn;
let roots: string[];
let outside: string;

/** Every file under `dir` with its size and content hash: what "never written" is checked against. */
function snapshot(dir: string): Record<string, string> {
	const out: Record<string, string> = {};
	for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
		const full = path.join(entry.parentPath, entry.name);
		const stat = fs.lstatSync(full);
		out[path.relative(dir, full)] = stat.isSymbolicLink()
			? `link:${fs.readlinkSync(full)}`
			: stat.isFile()
				? crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex')
				: 'dir';
	}
	return out;
}

const local = async () => (await call(server, 'GET', '/api/models/local', { token: admin.token })).body as any[];
const chat = (model: string) =>
	call(server, 'POST', '/v1/chat/completions', {
		token: admin.token,
		body: { model, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 4 }
	});

beforeAll(async () => {
	const base = tempDir('llm-manager-extra-');
	// The Hugging Face cache: snapshot entries are links into blobs/.
	const hf = path.join(base, 'hf-hub');
	const repo = path.join(hf, 'models--hf-org--cached-GGUF');
	fs.mkdirSync(path.join(repo, 'blobs'), { recursive: true });
	fs.mkdirSync(path.join(repo, 'refs'), { recursive: true });
	fs.mkdirSync(path.join(repo, 'snapshots/0123abcd/Q8_0'), { recursive: true });
	fs.writeFileSync(path.join(repo, 'refs/main'), '0123abcd');
	const blobs: [string, string, number][] = [
		['cached-Q4_K_M.gguf', 'blob-a', 1],
		['Q8_0/cached-Q8_0-00001-of-00002.gguf', 'blob-b', 2],
		['Q8_0/cached-Q8_0-00002-of-00002.gguf', 'blob-c', 3]
	];
	for (const [name, blob, seed] of blobs) {
		writeTinyLlama(path.join(repo, 'blobs', blob), { seed });
		const link = path.join(repo, 'snapshots/0123abcd', name);
		fs.symlinkSync(path.relative(path.dirname(link), path.join(repo, 'blobs', blob)), link);
	}
	// llama.cpp's cache: flat <owner>_<repo>_<file>, named by its manifest.
	const llama = path.join(base, 'llama.cpp');
	writeTinyLlama(path.join(llama, 'flat-org_flat_model-GGUF_flat-Q4_K_M.gguf'), { seed: 4 });
	fs.writeFileSync(path.join(llama, 'manifest=flat-org=flat_model-GGUF=latest.json'), JSON.stringify({ ggufFile: { rfilename: 'flat-Q4_K_M.gguf' } }));
	// An LM Studio models folder: <owner>/<repo>/<file>.
	const studio = path.join(base, '.lmstudio/models');
	writeTinyLlama(path.join(studio, STUDIO), { seed: 5 });
	writeTinyLlama(path.join(studio, SHADOWED), { seed: 6 });
	// A link from an extra dir to a model outside it: not a model of that dir.
	outside = tempDir('llm-manager-outside-');
	writeTinyLlama(path.join(outside, 'victim-Q8_0.gguf'), { seed: 7 });
	fs.mkdirSync(path.join(studio, 'link-org/escape-GGUF'), { recursive: true });
	fs.symlinkSync(path.join(outside, 'victim-Q8_0.gguf'), path.join(studio, 'link-org/escape-GGUF/victim-Q8_0.gguf'));
	roots = [hf, llama, studio];

	const dataDir = tempDir();
	writeTinyLlama(path.join(dataDir, 'models', SHADOWED), { seed: 8 }); // the models dir's copy wins
	server = await startServer({ dataDir, env: { LLM_MANAGER_EXTRA_MODEL_DIRS: [...roots, path.join(base, 'missing')].join(':') } });
	admin = await signUp(server, 'admin@example.com');
	user = await signUp(server, 'user@example.com', undefined, admin.token);
});
afterAll(async () => {
	await server?.stop();
});

describe('extra models dirs', () => {
	it('list the models other tools downloaded, with their source, read-only', async () => {
		const models = await local();
		const byId = new Map(models.map((m) => [m.id, m]));
		expect(byId.get(HF)).toMatchObject({ source: 'huggingface', read_only: true, usable: true, repo: 'hf-org/cached-GGUF', file: 'cached-Q4_K_M.gguf' });
		expect(byId.get(HF_SPLIT)).toMatchObject({ source: 'huggingface', read_only: true, parts: 2 });
		expect(byId.get(LLAMA)).toMatchObject({ source: 'llama.cpp', read_only: true, usable: true });
		expect(byId.get(STUDIO)).toMatchObject({ source: 'lmstudio', read_only: true, usable: true });
		expect(byId.get(SHADOWED)).toMatchObject({ source: 'models_dir', read_only: false });
		expect(models.filter((m) => m.id === SHADOWED)).toHaveLength(1);
		expect(models.some((m) => m.id.startsWith('link-org/'))).toBe(false);
	});

	it('answer chats from where they are', async () => {
		for (const id of [HF, LLAMA, STUDIO]) {
			const res = await chat(id);
			expect(res.status, id).toBe(200);
			expect(res.body.choices[0].message.content.length).toBeGreaterThan(0);
		}
		expect((await call(server, 'GET', '/v1/models', { token: admin.token })).body.data.map((m: any) => m.id)).toContain(HF);
		expect((await chat('link-org/escape-GGUF/victim-Q8_0.gguf')).status).toBe(404);
	});

	it('refuse deletion with 409 and the reason, for an admin and a user alike; nothing there changes', async () => {
		const before = roots.map(snapshot);
		for (const token of [admin.token, user.token]) {
			for (const id of [HF, HF_SPLIT, LLAMA, STUDIO]) {
				const res = await call(server, 'DELETE', `/api/models/${id}`, { token });
				expect(res.status, id).toBe(409);
				expect(res.body.code).toBe('model_read_only');
				expect(res.body.detail).toMatch(/only reads/);
			}
		}
		const escaped = await call(server, 'DELETE', '/api/models/link-org/escape-GGUF/victim-Q8_0.gguf', { token: admin.token });
		expect(escaped.status).toBe(404);
		expect(roots.map(snapshot)).toEqual(before);
		expect(fs.existsSync(path.join(outside, 'victim-Q8_0.gguf'))).toBe(true);
		expect((await local()).map((m) => m.id)).toEqual(expect.arrayContaining([HF, HF_SPLIT, LLAMA, STUDIO]));
	});

	it('pick up a model another tool adds while the server runs', async () => {
		writeTinyLlama(path.join(roots[2], 'new-org/new-GGUF/new-Q4_K_M.gguf'), { seed: 9 });
		let found = false;
		for (let i = 0; i < 100 && !found; i++) {
			found = (await local()).some((m) => m.id === 'new-org/new-GGUF/new-Q4_K_M.gguf');
			if (!found) await new Promise((r) => setTimeout(r, 100));
		}
		expect(found).toBe(true);
	});
});
