import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../../../../tests/fixtures/gguf.js';
import { repoHasModels, scanModels } from './scan';

let dir: string;
const put = (rel: string) => writeTinyLlama(path.join(dir, rel), { seed: rel.length });

beforeAll(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'library-scan-'));
	put('org/good-GGUF/good-Q4_K_M.gguf');
	put('org/split-GGUF/s-Q8_0-00001-of-00002.gguf');
	put('org/split-GGUF/s-Q8_0-00002-of-00002.gguf');
	put('org/half-GGUF/h-Q2_K-00001-of-00002.gguf'); // part 2 missing
	put('org/partial-GGUF/p-Q4_K_M.gguf.partial');
	fs.mkdirSync(path.join(dir, 'org/bad-GGUF'), { recursive: true });
	const good = fs.readFileSync(path.join(dir, 'org/good-GGUF/good-Q4_K_M.gguf'));
	fs.writeFileSync(path.join(dir, 'org/bad-GGUF/truncated-Q4_K_M.gguf'), good.subarray(0, 200));
	fs.writeFileSync(path.join(dir, 'org/bad-GGUF/short-Q8_0.gguf'), good.subarray(0, good.length - 100));
	fs.writeFileSync(path.join(dir, 'org/bad-GGUF/garbage-F16.gguf'), Buffer.from('not a gguf file at all'));
	put('loose.gguf'); // not in <owner>/<repo>/ layout
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('scanModels', () => {
	it('lists complete models with metadata from the files themselves', async () => {
		const models = await scanModels(dir, (id) => id.startsWith('org/good'));
		const byId = Object.fromEntries(models.map((m) => [m.id, m]));
		expect(Object.keys(byId).sort()).toEqual([
			'org/bad-GGUF/garbage-F16.gguf',
			'org/bad-GGUF/short-Q8_0.gguf',
			'org/bad-GGUF/truncated-Q4_K_M.gguf',
			'org/good-GGUF/good-Q4_K_M.gguf',
			'org/split-GGUF/s-Q8_0-00001-of-00002.gguf'
		]);
		expect(byId['org/good-GGUF/good-Q4_K_M.gguf']).toMatchObject({
			repo: 'org/good-GGUF',
			file: 'good-Q4_K_M.gguf',
			quantization: 'Q4_K_M',
			architecture: 'llama',
			context_length: 2048,
			is_loaded: true,
			usable: true,
			parts: 1
		});
		expect(byId['org/good-GGUF/good-Q4_K_M.gguf'].parameters).toBeGreaterThan(100_000);
		const split = byId['org/split-GGUF/s-Q8_0-00001-of-00002.gguf'];
		expect(split.parts).toBe(2);
		expect(split.size_bytes).toBe(
			fs.statSync(path.join(dir, 'org/split-GGUF/s-Q8_0-00001-of-00002.gguf')).size * 2
		);
	});

	it('reports truncated and corrupt files as unusable instead of failing', async () => {
		const models = await scanModels(dir);
		for (const id of ['org/bad-GGUF/truncated-Q4_K_M.gguf', 'org/bad-GGUF/short-Q8_0.gguf', 'org/bad-GGUF/garbage-F16.gguf']) {
			const m = models.find((x) => x.id === id)!;
			expect(m.usable).toBe(false);
			expect(m.error).toMatch(/Unreadable GGUF/);
			expect(m.architecture).toBeNull();
		}
	});

	it('answers an empty list for a missing folder and knows which repos hold models', async () => {
		expect(await scanModels(path.join(dir, 'nope'))).toEqual([]);
		expect(await repoHasModels(dir, 'org/good-GGUF')).toBe(true);
		expect(await repoHasModels(dir, 'org/half-GGUF')).toBe(false);
		expect(await repoHasModels(dir, 'org/partial-GGUF')).toBe(false);
	});
});
