// @ts-check
/**
 * The SHA-256 gate of a ranged download, two ways, in-process (the server's own `transferRanged`,
 * bundled by esbuild) against the fake Hub: hashing the written prefix while the parts arrive, or one
 * pass over the whole file after the last byte. Interleaved rounds, alternating which goes first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadServerModules } from './server-modules.js';

/**
 * @param {{hubUrl: string, url: string, size: number, sha256: string, work: string, rounds: number, connections: number}} o
 * @returns {Promise<{follow: number[], end: number[]}>} seconds per round for each way
 */
export async function measureHashing(o) {
	process.env.HF_ENDPOINT = o.hubUrl;
	process.env.LLM_MANAGER_DATA_DIR = path.join(o.work, 'hash-data');
	process.env.LLM_MANAGER_LOG_LEVEL = 'error';
	const m = await loadServerModules(
		`export { transferRanged } from './src/lib/server/downloads/parallel.ts';
		 export { ConnectionSlots } from './src/lib/server/downloads/connections.ts';`
	);
	const partialPath = path.join(o.work, 'hash.partial');
	/** @param {boolean} follow */
	const once = async (follow) => {
		fs.rmSync(partialPath, { force: true });
		const t0 = performance.now();
		await m.transferRanged({
			url: o.url,
			partialPath,
			size: o.size,
			sha256: o.sha256,
			stallMs: 30_000,
			signal: new AbortController().signal,
			onBytes: () => {},
			connections: o.connections,
			slots: new m.ConnectionSlots(o.connections),
			maxTries: 5,
			backoffMs: () => 1000,
			hashWhileReceiving: follow
		});
		const seconds = (performance.now() - t0) / 1000;
		fs.rmSync(partialPath, { force: true });
		return seconds;
	};
	/** @type {{follow: number[], end: number[]}} */
	const out = { follow: [], end: [] };
	await once(true); // warm-up
	for (let round = 0; round < o.rounds; round++) {
		const order = round % 2 === 0 ? [true, false] : [false, true];
		for (const follow of order) (follow ? out.follow : out.end).push(await once(follow));
	}
	return out;
}
