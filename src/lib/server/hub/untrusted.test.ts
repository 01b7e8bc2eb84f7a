import { describe, expect, it } from 'vitest';
import { hubCount, hubSize, treeFile } from './untrusted';

const sha = 'ab'.repeat(32);

describe('treeFile', () => {
	it('keeps a plain file with its LFS size and SHA-256', () => {
		expect(treeFile({ type: 'file', path: 'Q4/model-Q4_K_M.gguf', size: 134, lfs: { oid: sha, size: 5000 } })).toEqual({
			file: { file: 'Q4/model-Q4_K_M.gguf', size_bytes: 5000, sha256: sha }
		});
		expect(treeFile({ type: 'directory', path: 'Q4' })).toBeNull();
	});

	it('refuses names that leave the repo or carry markup, and sizes that are not byte counts', () => {
		for (const path of ['../../victim-org/victim-repo/x.gguf', '<img src=x>.gguf', '/etc/passwd', 'a\\b.gguf', 'a/./b.gguf', '.hidden.gguf', 'x%2e%2e.gguf']) {
			expect(treeFile({ type: 'file', path, size: 1 })).toHaveProperty('rejected');
		}
		for (const size of ['abc', -1, 1.5, NaN, 2 ** 60, null]) {
			expect(treeFile({ type: 'file', path: 'm.gguf', size })).toHaveProperty('rejected');
		}
		expect(treeFile({ type: 'file', path: 'm.gguf', size: 1, lfs: { oid: 'not-a-digest', size: 1 } })).toHaveProperty('rejected');
	});
});

describe('numbers from the Hub', () => {
	it('fall back when they are not plain non-negative integers', () => {
		expect(hubCount(12)).toBe(12);
		expect(hubCount('12')).toBe(0);
		expect(hubCount(-3)).toBe(0);
		expect(hubSize(0)).toBe(0);
		expect(hubSize(Infinity)).toBeNull();
	});
});
