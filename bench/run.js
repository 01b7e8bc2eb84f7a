// @ts-check
/**
 * Runs every benchmark in this folder (each `*.js` file except this one), one after the other.
 * Usage: `npm run bench` or `node bench/run.js [name-filter]`. Needs `npm run build` first.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const here = import.meta.dirname;
const filter = process.argv[2] ?? '';
const files = fs
	.readdirSync(here)
	.filter((f) => f.endsWith('.js') && f !== 'run.js' && f.includes(filter))
	.sort();
let failed = 0;
for (const file of files) {
	console.log(`\n=== bench/${file}`);
	const result = spawnSync(process.execPath, [path.join(here, file)], { stdio: 'inherit' });
	if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
