/**
 * Extra models dirs (`LLM_MANAGER_EXTRA_MODEL_DIRS`): models other tools downloaded, listed and loaded
 * where they are, **read-only**: nothing here writes, creates or deletes in them. A folder may hold
 * - the Hugging Face cache layout: `models--<owner>--<repo>/snapshots/<rev>/<file>.gguf` (links into
 *   `blobs/`; the snapshot `refs/main` names comes first, then newer ones);
 * - llama.cpp's `-hf` cache: flat `<owner>_<repo>_<file>.gguf`, named by its `manifest=<owner>=<repo>=<tag>.json`;
 * - `<owner>/<repo>/<file>.gguf`, as LM Studio's models folder (and the app's own models dir).
 * A model's id is `<owner>/<repo>/<file>` as for downloaded ones. Files are found only by scanning;
 * an id from a request is looked up in the scan's results, never joined onto a path. A link counts
 * only when its real path stays inside the folder.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { getConfig } from '../config';
import { singleton } from '../http/singleton';
import { parseModelId } from '../hub/ids';
import { parseSplit, splitPartName, type FileEntry } from '../hub/quant';
import { LibraryCache, type Listing } from './cache';
import { realPathInside } from './real-path';
import { describeModels, walk, type ModelSource } from './scan';

const MAX_DEPTH = 4;
const HF_REPO = /^models--([^/]+?)--(.+)$/;

type Found = { id: string; full: string; size: number; mtime: number; source: ModelSource };

/** Where each model id of an extra dir lives, from its last scan. */
const registry = () => singleton('extra-model-paths', () => new Map<string, Map<string, Found>>());

const isModelId = (id: string) => {
	try {
		parseModelId(id);
		return true;
	} catch {
		return false;
	}
};

function folderSource(dir: string): ModelSource {
	if (dir.split(path.sep).includes('.lmstudio')) return 'lmstudio';
	if (path.basename(dir) === 'llama.cpp') return 'llama.cpp';
	return 'folder';
}

/** `.gguf` files under `dir` (links followed when they stay inside `root`), by path relative to `dir`. */
async function ggufFiles(root: string, dir: string, rel = '', depth = 0, out: { rel: string; full: string }[] = []) {
	const entries = await fsp.readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => []);
	for (const entry of entries) {
		if (entry.name.startsWith('.')) continue;
		const childRel = rel ? `${rel}/${entry.name}` : entry.name;
		const full = path.join(dir, childRel);
		if (entry.isDirectory() && depth < MAX_DEPTH) await ggufFiles(root, dir, childRel, depth + 1, out);
		else if (/\.gguf$/i.test(entry.name) && (entry.isFile() || entry.isSymbolicLink())) {
			if (entry.isSymbolicLink() && !(await realPathInside(root, full))) continue;
			out.push({ rel: childRel, full });
		}
	}
	return out;
}

/** The snapshots of a cached Hugging Face repo, the one `refs/main` names first, then the newest. */
async function snapshots(repoDir: string): Promise<string[]> {
	const names = await fsp.readdir(path.join(repoDir, 'snapshots')).catch(() => [] as string[]);
	const main = (await fsp.readFile(path.join(repoDir, 'refs', 'main'), 'utf8').catch(() => '')).trim();
	const dated = await Promise.all(
		names.map(async (name) => ({ name, mtime: (await fsp.stat(path.join(repoDir, 'snapshots', name)).catch(() => null))?.mtimeMs ?? 0 }))
	);
	dated.sort((a, b) => Number(b.name === main) - Number(a.name === main) || b.mtime - a.mtime);
	return dated.map((d) => path.join(repoDir, 'snapshots', d.name));
}

/** `<owner>_<repo>_` prefixes of llama.cpp's cached files, from its manifests. */
async function llamaPrefixes(dir: string, names: string[]): Promise<Map<string, string>> {
	const prefixes = new Map<string, string>();
	for (const name of names) {
		const match = /^manifest=([^=]+)=([^=]+)=[^=]*\.json$/.exec(name);
		if (match) prefixes.set(`${match[1]}_${match[2]}_`, `${match[1]}/${match[2]}`);
	}
	return prefixes;
}

/** The id of a flat `<owner>_<repo>_<file>.gguf`: by a manifest's prefix, else by the name's shape. */
function flatId(name: string, prefixes: Map<string, string>, dir: string): string {
	for (const [prefix, repo] of prefixes) if (name.startsWith(prefix) && name.length > prefix.length) return `${repo}/${name.slice(prefix.length)}`;
	const match = /^([A-Za-z0-9][A-Za-z0-9.-]*)_(.+?-gguf)_(.+)$/i.exec(name) ?? /^([A-Za-z0-9][A-Za-z0-9.-]*)_([^_]+)_(.+)$/.exec(name);
	if (match) return `${match[1]}/${match[2]}/${match[3]}`;
	const folder = path.basename(dir).replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'models';
	return `local/${folder}/${name}`;
}

/** Every `.gguf` file of an extra dir with its id (the first of an id wins). */
async function findFiles(dir: string): Promise<Found[]> {
	const found = new Map<string, Found>();
	const add = async (id: string, full: string, source: ModelSource) => {
		if (found.has(id) || !isModelId(id)) return;
		const stat = await fsp.stat(full).catch(() => null);
		if (stat?.isFile()) found.set(id, { id, full, size: stat.size, mtime: stat.mtimeMs, source });
	};
	const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
	const prefixes = await llamaPrefixes(dir, entries.map((e) => e.name));
	for (const entry of entries) {
		if (entry.name.startsWith('.')) continue;
		const hf = HF_REPO.exec(entry.name);
		if (hf && entry.isDirectory()) {
			for (const snapshot of await snapshots(path.join(dir, entry.name))) {
				for (const file of await ggufFiles(dir, snapshot)) await add(`${hf[1]}/${hf[2]}/${file.rel}`, file.full, 'huggingface');
			}
		} else if (entry.isDirectory()) {
			const files: FileEntry[] = await walk(dir, entry.name, 1);
			for (const file of files) await add(file.file, path.join(dir, file.file), folderSource(dir));
		} else if (/\.gguf$/i.test(entry.name)) {
			const full = path.join(dir, entry.name);
			if (entry.isSymbolicLink() && !(await realPathInside(dir, full))) continue;
			const source = prefixes.size > 0 || folderSource(dir) === 'llama.cpp' ? 'llama.cpp' : folderSource(dir);
			await add(flatId(entry.name, prefixes, dir), full, source);
		}
	}
	return [...found.values()];
}

/** Scans one extra dir into models (read-only) and remembers where each one's files are. */
async function scanExtraDir(dir: string, mtimes: Map<string, number>): Promise<import('./scan').LocalModel[]> {
	const files = await findFiles(dir);
	const byId = new Map(files.map((f) => [f.id, f]));
	for (const f of files) mtimes.set(f.id, f.mtime);
	registry().set(dir, byId);
	return describeModels(
		files.map((f) => ({ file: f.id, size_bytes: f.size, sha256: null })),
		(id) => byId.get(id)!.full,
		(id) => byId.get(id)!.source
	);
}

export const extraDirs = () => getConfig().extraModelDirs;

export function getExtraCache(dir: string): LibraryCache {
	const caches = singleton('extra-library-caches', () => new Map<string, LibraryCache>());
	let cache = caches.get(dir);
	if (!cache) {
		cache = new LibraryCache(dir, { scanner: scanExtraDir, create: false });
		caches.set(dir, cache);
	}
	return cache;
}

/** The listings of every extra dir, in the configured order. */
export async function extraListings(): Promise<{ dir: string; listing: Listing }[]> {
	return Promise.all(extraDirs().map(async (dir) => ({ dir, listing: await getExtraCache(dir).list() })));
}

export type ExtraModel = { dir: string; source: ModelSource; files: string[] };

function lookup(id: string): ExtraModel | null {
	for (const dir of extraDirs()) {
		const first = registry().get(dir)?.get(id);
		if (!first) continue;
		const split = parseSplit(path.basename(id));
		const ids = split ? Array.from({ length: split.count }, (_, i) => path.posix.join(path.posix.dirname(id), splitPartName(path.basename(id), i + 1, split.count))) : [id];
		const files = ids.map((part) => registry().get(dir)?.get(part)?.full).filter((f): f is string => f !== undefined);
		return { dir, source: first.source, files };
	}
	return null;
}

/** The extra-dir model with this id (its files, first one first), from a current listing; null when none. */
export async function findExtraModel(id: string): Promise<ExtraModel | null> {
	if (extraDirs().length === 0) return null;
	await extraListings();
	return lookup(id);
}

/** `findExtraModel` for synchronous callers, from the last listing (the pool resolving an id it was given). */
export function findExtraModelSync(id: string): ExtraModel | null {
	return extraDirs().length === 0 ? null : lookup(id);
}
