import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addRange, missingRanges, planParts, prefixEnd, readSidecar, sidecarPathOf, writeSidecar } from './ranges';

const MIB = 1024 * 1024;

describe('written ranges', () => {
	it('merges touching and overlapping ranges, in order', () => {
		let done = addRange([], [10, 20]);
		done = addRange(done, [0, 5]);
		done = addRange(done, [20, 30]);
		done = addRange(done, [4, 11]);
		expect(done).toEqual([[0, 30]]);
		expect(addRange([[0, 5]], [7, 9])).toEqual([
			[0, 5],
			[7, 9]
		]);
		expect(prefixEnd([[0, 5], [7, 9]])).toBe(5);
		expect(prefixEnd([[2, 5]])).toBe(0);
	});

	it('lists what is missing', () => {
		expect(missingRanges([], 100)).toEqual([[0, 100]]);
		expect(missingRanges([[0, 10], [50, 60]], 100)).toEqual([
			[10, 50],
			[60, 100]
		]);
		expect(missingRanges([[0, 100]], 100)).toEqual([]);
	});

	it('cuts a whole file into equal pieces in file order, about four per connection, none under the minimum', () => {
		const parts = planParts([[0, 512 * MIB]], 8, 8 * MIB, 64 * MIB);
		expect(parts).toHaveLength(32);
		expect(parts.every(([s, e]) => e - s === 16 * MIB)).toBe(true);
		expect(parts.every(([s], i) => i === 0 || s === parts[i - 1][1])).toBe(true);
		expect(parts[31][1]).toBe(512 * MIB);
		expect(planParts([[0, 20 * MIB]], 8, 8 * MIB)).toHaveLength(3);
		expect(planParts([[0, 64 * 1024 * MIB]], 8, 8 * MIB, 64 * MIB)).toHaveLength(1024); // capped at 64 MiB
		// A resume: each gap is cut the same way; what was written is never asked for.
		const done = Array.from({ length: 8 }, (_, i) => [i * 64 * MIB, i * 64 * MIB + 40 * MIB] as [number, number]);
		const gaps = missingRanges(done, 512 * MIB);
		const again = planParts(gaps, 8, 8 * MIB, 64 * MIB);
		expect(again).toHaveLength(24);
		expect(again.reduce((n, [s, e]) => n + e - s, 0)).toBe(8 * 24 * MIB);
		expect(again.every(([s, e]) => !done.some(([ds, de]) => s < de && e > ds))).toBe(true);
	});

	it('reads back what was saved; an unreadable or foreign sidecar counts as nothing written', async () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranges-'));
		const partial = path.join(dir, 'm.gguf.partial');
		expect(await readSidecar(partial, 100)).toBeNull();
		await writeSidecar(partial, 100, [[0, 10], [40, 50]]);
		expect(await readSidecar(partial, 100)).toEqual([[0, 10], [40, 50]]);
		expect(await readSidecar(partial, 200)).toEqual([]); // recorded for another size
		fs.writeFileSync(sidecarPathOf(partial), '{"size": 100, "done": [[0, "x"]]}');
		expect(await readSidecar(partial, 100)).toEqual([]);
		fs.writeFileSync(sidecarPathOf(partial), JSON.stringify({ size: 100, done: [[0, 500], [60, 50], [70, 80]] }));
		expect(await readSidecar(partial, 100)).toEqual([[70, 80]]); // out-of-file and empty ranges dropped
		fs.rmSync(dir, { recursive: true });
	});
});
