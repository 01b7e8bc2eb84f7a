import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { BadRequestError, NotFoundError } from '../http/errors';
import { findExtraModel, findExtraModelSync } from '../library/extra';
import { realPathInside, realPathInsideSync } from '../library/real-path';

/**
 * Maps a model id (`<owner>/<repo>/<file>.gguf`, the path under the models dir) to its file; an id
 * the models dir lacks may be a model of an extra models dir (looked up in its listing, read-only).
 * Untrusted input: anything that could leave the models dir (`..`, absolute, backslash, NUL, empty
 * segments) is a 400 before the disk is touched.
 */
export function resolveModelFile(modelsDir: string, id: string): string {
	const bad = () => new BadRequestError(`Invalid model id: ${JSON.stringify(id.slice(0, 200))}`, 'invalid_model_id');
	if (!id || id.length > 1024 || id.includes('\0') || id.includes('\\') || path.isAbsolute(id) || /^[a-zA-Z]:/.test(id)) throw bad();
	if (id.split('/').some((part) => part === '' || part === '.' || part === '..')) throw bad();
	if (!id.toLowerCase().endsWith('.gguf')) throw bad();
	const root = path.resolve(modelsDir);
	const file = path.resolve(root, id);
	if (!file.startsWith(root + path.sep)) throw bad();
	// A symbolic link out of the models dir is not a model of this library (it is not listed either).
	const exists = fsSync.existsSync(file);
	if (exists && !realPathInsideSync(root, file)) {
		throw new NotFoundError(`The model '${id.slice(0, 200)}' does not exist`, 'model_not_found');
	}
	if (!exists) return findExtraModelSync(id)?.files[0] ?? file;
	return file;
}

/** True when the id is a well-formed model id whose file exists (in the models dir or an extra one). */
export async function modelFileExists(modelsDir: string, id: string): Promise<boolean> {
	let file: string;
	try {
		file = resolveModelFile(modelsDir, id);
	} catch {
		return false;
	}
	const own = path.resolve(modelsDir, id);
	if (file === own && (await fs.stat(file).then((s) => s.isFile(), () => false)) && (await realPathInside(modelsDir, file))) return true;
	return (await findExtraModel(id)) !== null;
}
