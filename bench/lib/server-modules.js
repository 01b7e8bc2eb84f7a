/**
 * Loads server modules from `src/` in-process for benchmarks: esbuild bundles them (resolving `$lib`
 * and `$app/environment` like SvelteKit does) into a temporary ES module, packages stay external.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** @param {string} source an ES module whose imports are relative to the repository root */
export async function loadServerModules(source) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-manager-bench-'));
	const outfile = path.join(dir, 'modules.mjs');
	await build({
		stdin: { contents: source, resolveDir: ROOT, loader: 'ts' },
		bundle: true,
		platform: 'node',
		format: 'esm',
		target: 'node20',
		packages: 'external',
		outfile,
		logLevel: 'error',
		plugins: [
			{
				name: 'sveltekit-aliases',
				setup(b) {
					b.onResolve({ filter: /^\$app\/environment$/ }, () => ({ path: 'env', namespace: 'app-env' }));
					b.onLoad({ filter: /.*/, namespace: 'app-env' }, () => ({
						contents: 'export const building = false; export const dev = false; export const browser = false;',
						loader: 'js'
					}));
					b.onResolve({ filter: /^\$lib\// }, async (args) =>
						b.resolve('./' + path.join('src/lib', args.path.slice(5)), { resolveDir: ROOT, kind: args.kind })
					);
				}
			}
		]
	});
	// Packages resolve from the repository's node_modules.
	fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
	return import(pathToFileURL(outfile).href);
}
