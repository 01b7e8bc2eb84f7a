/**
 * Symbolic links may point anywhere: a model file counts only when its real path (every link resolved)
 * lies inside the real models dir. Anything else is not listed, not usable and not deletable.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

const within = (root: string, real: string) => real.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/** The real path of `file` when it exists and lies inside `root`'s real path; otherwise null. */
export async function realPathInside(root: string, file: string): Promise<string | null> {
	try {
		const [realRoot, real] = await Promise.all([fsp.realpath(root), fsp.realpath(file)]);
		return within(realRoot, real) ? real : null;
	} catch {
		return null;
	}
}

/** `realPathInside` for synchronous callers (two system calls, no I/O on the file's data). */
export function realPathInsideSync(root: string, file: string): string | null {
	try {
		const real = fs.realpathSync(file);
		return within(fs.realpathSync(root), real) ? real : null;
	} catch {
		return null;
	}
}
