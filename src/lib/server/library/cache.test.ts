import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeTinyLlama } from '../../../../tests/fixtures/gguf.js';
import { LibraryCache } from './cache';
import * as scan from './scan';

const caches: LibraryCache[] = [];
afterEach(() => {
	for (const c of caches.splice(0)) c.close();
	vi.restoreAllMocks();
});

function setup() {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'library-cache-'));
	writeTinyLlama(path.join(dir, 'org/one-GGUF/one-Q4_K_M.gguf'));
	const cache = new LibraryCache(dir);
	caches.push(cache);
	return { dir, cache };
}
const ids = async (cache: LibraryCache) => (await cache.list()).models.map((m) => m.id);

describe('LibraryCache', () => {
	it('scans once for many reads, and again after an invalidation', async () => {
		const { dir, cache } = setup();
		const spy = vi.spyOn(scan, 'scanModels');
		const [a, b] = await Promise.all([ids(cache), ids(cache)]);
		await ids(cache);
		expect(a).toEqual(['org/one-GGUF/one-Q4_K_M.gguf']);
		expect(b).toEqual(a);
		expect(spy).toHaveBeenCalledTimes(1);
		writeTinyLlama(path.join(dir, 'org/two-GGUF/two-Q8_0.gguf'));
		cache.invalidate();
		expect(await ids(cache)).toHaveLength(2);
		expect(spy).toHaveBeenCalledTimes(2);
	});

	it('follows files added and removed by hand through the watcher; partial files change nothing', async () => {
		const { dir, cache } = setup();
		expect(await ids(cache)).toHaveLength(1);
		const added = path.join(dir, 'hand/made-GGUF/made-Q4_K_M.gguf');
		writeTinyLlama(added);
		await vi.waitFor(async () => expect(await ids(cache)).toContain('hand/made-GGUF/made-Q4_K_M.gguf'), { timeout: 10_000 });
		fs.rmSync(added);
		await vi.waitFor(async () => expect(await ids(cache)).not.toContain('hand/made-GGUF/made-Q4_K_M.gguf'), { timeout: 10_000 });
		const spy = vi.spyOn(scan, 'scanModels');
		await ids(cache);
		fs.writeFileSync(path.join(dir, 'org/one-GGUF/next-Q8_0.gguf.partial'), 'bytes');
		await new Promise((r) => setTimeout(r, 200));
		await ids(cache);
		expect(spy).toHaveBeenCalledTimes(0);
	});
});
