/**
 * The local library: every complete GGUF model under the models dir (`<owner>/<repo>/<file>.gguf`),
 * with metadata read from the files themselves. Partial files are not models; a split set is listed
 * once (by its first part) and only when every part is there. Unreadable files are listed as unusable.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ModelUnusableError } from '../gguf/sanity';
import { knownVerdict } from '../gguf/verdicts';
import { groupGgufFiles, type FileEntry } from '../hub/quant';
import { readLocalConfig, type ModelConfig } from './gguf-metadata';
import { realPathInside } from './real-path';

export type { LocalModel } from '$lib/types/models';
import type { LocalModel } from '$lib/types/models';

const GIB = 1024 ** 3;
const MAX_DEPTH = 6;

/**
 * Relative paths of `.gguf` files under `root`. Symbolic links are followed for files whose real path
 * stays inside `root`, never for folders.
 */
export async function walk(root: string, dir = '', depth = 0, out: FileEntry[] = [], mtimes?: Map<string, number>): Promise<FileEntry[]> {
	let entries: import('node:fs').Dirent[];
	try {
		entries = await fsp.readdir(path.join(root, dir), { withFileTypes: true });
	} catch {
		return out;
	}
	for (const entry of entries) {
		const rel = dir ? `${dir}/${entry.name}` : entry.name;
		if (entry.name.startsWith('.')) continue;
		if (entry.isDirectory() && depth < MAX_DEPTH) await walk(root, rel, depth + 1, out, mtimes);
		else if (/\.gguf$/i.test(entry.name) && depth >= 2) {
			if (entry.isSymbolicLink() && !(await realPathInside(root, path.join(root, rel)))) continue;
			const stat = await fsp.stat(path.join(root, rel)).catch(() => null);
			if (stat?.isFile()) {
				out.push({ file: rel, size_bytes: stat.size, sha256: null });
				mtimes?.set(rel, stat.mtimeMs);
			}
		}
	}
	return out;
}

type CacheEntry = { key: string; config: ModelConfig | null; error: string | null };
const cache = new Map<string, CacheEntry>();

async function configOf(full: string, fileName: string, size: number): Promise<CacheEntry> {
	const stat = await fsp.stat(full);
	const key = `${size}:${stat.mtimeMs}`;
	const hit = cache.get(full);
	if (hit?.key === key) return hit;
	let entry: CacheEntry;
	try {
		entry = { key, config: await readLocalConfig(full, fileName), error: null };
	} catch (err) {
		const message = err instanceof Error ? err.message : String(err);
		entry = { key, config: null, error: err instanceof ModelUnusableError ? message : `Unreadable GGUF: ${message}` };
	}
	cache.set(full, entry);
	return entry;
}

/** Where a listed model's files live: the app's models dir, or a read-only folder of another tool. */
export type ModelSource = LocalModel['source'];

/**
 * Every complete model under `modelsDir`. `isLoaded` comes from the pool; `mtimes`, when given,
 * receives each file's modification time (ms) by its path under the models dir.
 */
export async function scanModels(
	modelsDir: string,
	isLoaded: (id: string) => boolean = () => false,
	mtimes?: Map<string, number>
): Promise<LocalModel[]> {
	const files = await walk(modelsDir, '', 0, [], mtimes);
	return describeModels(files, (id) => path.join(modelsDir, id), () => 'models_dir', isLoaded);
}

/**
 * The complete models among `files` (ids `<owner>/<repo>/<file>`), with metadata read from each
 * model's first file at `fullPathOf(id)`.
 */
export async function describeModels(
	files: FileEntry[],
	fullPathOf: (id: string) => string,
	sourceOf: (id: string) => ModelSource,
	isLoaded: (id: string) => boolean = () => false
): Promise<LocalModel[]> {
	const models: LocalModel[] = [];
	for (const group of groupGgufFiles(files)) {
		if (!group.complete) continue;
		const [owner, repo, ...rest] = group.file.split('/');
		const full = fullPathOf(group.file);
		const meta = await configOf(full, rest.join('/'), group.size_bytes);
		const verdict = meta.config ? await knownVerdict(full) : null;
		const refused = verdict && !verdict.ok ? verdict.reason : null;
		const source = sourceOf(group.file);
		models.push({
			id: group.file,
			repo: `${owner}/${repo}`,
			file: rest.join('/'),
			size_bytes: group.size_bytes,
			size_gb: Math.round((group.size_bytes / GIB) * 100) / 100,
			quantization: meta.config?.quantization ?? group.quantization,
			architecture: meta.config?.architecture ?? null,
			parameters: meta.config?.parameters ?? null,
			context_length: meta.config?.context_length ?? null,
			is_loaded: isLoaded(group.file),
			parts: group.parts.length,
			usable: meta.config !== null && refused === null,
			error: meta.error ?? refused,
			config: meta.config,
			source,
			read_only: source !== 'models_dir'
		});
	}
	return models;
}

/** True when a repo folder holds at least one complete GGUF model. */
export async function repoHasModels(modelsDir: string, repo: string): Promise<boolean> {
	const files = await walk(path.join(modelsDir, repo), '', 2);
	return groupGgufFiles(files).some((g) => g.complete);
}
