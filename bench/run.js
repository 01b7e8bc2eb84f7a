#!/usr/bin/env node
/**
 * Runs the benchmarks: `npm run bench` (all) or `npm run bench -- audit` (by name). Each benchmark is
 * a script `bench/<name>.js` that prints its results; see bench/README.md for recorded numbers.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const here = import.meta.dirname;
const all = fs
	.readdirSync(here)
	.filter((f) => f.endsWith('.js') && f !== 'run.js')
	.map((f) => f.slice(0, -3))
	.sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
	console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${all.join(', ')}`);
	process.exit(2);
}
let failed = 0;
for (const name of wanted.length ? wanted : all) {
	console.log(`\n=== bench/${name}.js`);
	const result = spawnSync(process.execPath, [path.join(here, `${name}.js`)], { stdio: 'inherit' });
	if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
