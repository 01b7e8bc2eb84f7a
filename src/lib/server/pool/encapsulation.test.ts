import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelPool } from './pool';

const SRC = path.resolve(import.meta.dirname, '../../..');
/** Pool modules other code may import: the public API and the servers views built on it. */
const PUBLIC = new Set(['pool', 'pool/index', 'pool/servers']);

function sources(dir: string): string[] {
	return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
		const full = path.join(dir, e.name);
		if (e.isDirectory()) return sources(full);
		return /\.(ts|svelte)$/.test(e.name) ? [full] : [];
	});
}

describe('pool encapsulation', () => {
	it('keeps its state in private fields', () => {
		const pool = new ModelPool({
			loader: { estimate: async () => ({ bytes: 1, contextSize: 1 }), load: async () => ({}) as never },
			limits: { memoryLimitBytes: 1, maxModels: 1, keepAliveMs: -1, maxQueue: 1 }
		});
		expect(Object.getOwnPropertyNames(pool)).toEqual([]);
	});

	it('is used only through its public modules outside its own folder', () => {
		const poolDir = path.join(SRC, 'lib/server/pool');
		const offenders: string[] = [];
		for (const file of sources(SRC)) {
			if (file.startsWith(poolDir + path.sep)) continue;
			const text = fs.readFileSync(file, 'utf8');
			for (const match of text.matchAll(/from\s+['"]([^'"]*\bpool(?:\/[^'"]*)?)['"]/g)) {
				const spec = match[1].replace(/^.*\b(pool(?:\/.*)?)$/, '$1');
				if (!PUBLIC.has(spec)) offenders.push(`${path.relative(SRC, file)} imports ${match[1]}`);
			}
		}
		expect(offenders).toEqual([]);
	});
});
