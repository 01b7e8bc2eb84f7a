/**
 * Whether `build/` is up to date with the sources. `npm run build` ends by writing a marker file
 * (`node scripts/build-state.js mark`); the build counts as fresh while that marker exists and no
 * source file is newer than it. A failed build never writes the marker, so it is redone next time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const MARKER = 'build/.build-complete';

/** Folders and files whose contents end up in `build/`. Tests next to the code are not part of it. */
const SOURCES = [
	'src',
	'server',
	'static',
	'package.json',
	'package-lock.json',
	'svelte.config.js',
	'vite.config.ts',
	'tsconfig.json'
];
const NOT_BUILT = /\.(test|spec)\.[cm]?[jt]s$/;

/**
 * Newest modification time (ms) among the sources under `root`; 0 when there are none.
 * @param {string} root
 */
export function newestSourceTime(root) {
	let newest = 0;
	/** @param {string} file */
	const visit = (file) => {
		let stat;
		try {
			stat = fs.statSync(file);
		} catch {
			return;
		}
		if (stat.isDirectory()) {
			for (const name of fs.readdirSync(file)) visit(path.join(file, name));
		} else if (!NOT_BUILT.test(file)) {
			newest = Math.max(newest, stat.mtimeMs);
		}
	};
	for (const source of SOURCES) visit(path.join(root, source));
	return newest;
}

/**
 * The reason `build/` must be (re)built, or null when it is up to date.
 * @param {string} root
 * @returns {string | null}
 */
export function staleReason(root) {
	let builtAt;
	try {
		builtAt = fs.statSync(path.join(root, MARKER)).mtimeMs;
	} catch {
		return 'no complete build yet';
	}
	return newestSourceTime(root) > builtAt ? 'sources changed since the last build' : null;
}

/**
 * Records a successful build.
 * @param {string} root
 */
export function markBuilt(root) {
	const marker = path.join(root, MARKER);
	fs.mkdirSync(path.dirname(marker), { recursive: true });
	fs.writeFileSync(marker, `${new Date().toISOString()}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'mark') {
	markBuilt(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'));
}
