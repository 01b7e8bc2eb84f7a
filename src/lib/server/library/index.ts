/**
 * The local GGUF library: listing, characteristics and deletion. The pool plugs in what only it knows
 * (which models are loaded) through `setLoadedCheck` and `registerBusyCheck`.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { getConfig } from '../config';
import { getDownloadManager, wasDownloadedBy, type Actor } from '../downloads';
import { ConflictError, ForbiddenError, NotFoundError } from '../http/errors';
import { assertOnline, resolveUrl } from '../hub/client';
import { resolveFinal } from '../hub/fetch';
import { parseModelId, parseRepoId, pathInside } from '../hub/ids';
import { parseSplit, splitPartName } from '../hub/quant';
import { log } from '../log';
import { readLocalConfig, readRemoteConfig, type ModelConfig } from './gguf-metadata';
import { getLibraryCache, invalidateLibrary, type Listing } from './cache';
import { extraListings, findExtraModel } from './extra';
import type { LocalModel } from './scan';
import { realPathInside } from './real-path';
import { onVerdictFailed } from '../gguf/verdicts';

export type { LocalModel } from './scan';
export type { ModelConfig } from './gguf-metadata';

type BusyCheck = (modelId: string) => string | null;
let loadedCheck: (modelId: string) => boolean = () => false;
const busyChecks: BusyCheck[] = [];

/** The pool tells the library which models are loaded (for `is_loaded`). */
export function setLoadedCheck(check: (modelId: string) => boolean): void {
	loadedCheck = check;
}

/** A check that forbids deleting a model, returning the reason (e.g. "loaded") or null. */
export function registerBusyCheck(check: BusyCheck): void {
	busyChecks.push(check);
}

const modelsDir = () => getConfig().modelsDir;

// A file that failed its first-use check is listed unusable from then on.
onVerdictFailed(() => invalidateLibrary(modelsDir()));

/**
 * The models dir's listing, then each extra dir's models that it does not already have (an id is
 * listed once: the models dir first, then the extra dirs in their configured order).
 */
async function listing(): Promise<Listing> {
	const own = await getLibraryCache(modelsDir()).list();
	const extra = await extraListings();
	if (extra.length === 0) return own;
	const models = [...own.models];
	const mtimes = new Map(own.mtimes);
	const seen = new Set(models.map((m) => m.id));
	for (const { listing } of extra) {
		for (const model of listing.models) {
			if (seen.has(model.id)) continue;
			seen.add(model.id);
			models.push(model);
			mtimes.set(model.id, listing.mtimes.get(model.id) ?? 0);
		}
	}
	return { models, mtimes };
}

/** Every complete model in the library (cached and kept current: no directory walk per call). */
export async function listLocalModels(): Promise<LocalModel[]> {
	const { models } = await listing();
	return models.map((m) => ({ ...m, is_loaded: loadedCheck(m.id) }));
}

/** Model ids with their files' modification time (ms), from the cached listing. */
export async function listModelIds(): Promise<{ id: string; mtime: number }[]> {
	const { models, mtimes } = await listing();
	return models.map((m) => ({ id: m.id, mtime: mtimes.get(m.id) ?? 0 }));
}

export async function isRepoDownloaded(repo: string): Promise<boolean> {
	let id: string;
	try {
		id = parseRepoId(repo);
	} catch {
		return false;
	}
	const { models } = await listing();
	return models.some((m) => m.repo === id);
}

/** Every file of a model in the models dir (all parts of a split set), or null when its first file is missing. */
async function filesOf(id: string): Promise<string[] | null> {
	const full = pathInside(modelsDir(), id);
	const exists = await fsp.stat(full).then((s) => s.isFile(), () => false);
	if (!exists) return null;
	const split = parseSplit(path.basename(id));
	const files = split
		? Array.from({ length: split.count }, (_, i) => path.join(path.dirname(full), splitPartName(path.basename(id), i + 1, split.count)))
		: [full];
	// A link (to the file or to a folder on its path) that leads out of the models dir: not a model here.
	for (const file of files) {
		if (!(await fsp.stat(file).then(() => true, () => false))) continue;
		if (!(await realPathInside(modelsDir(), file))) return null;
	}
	return files;
}

/**
 * Characteristics of a model: from the local file, or, for an id not on disk, from the Hub file's
 * header via Range requests. Null when nothing can be read.
 */
export async function modelConfig(rawId: string): Promise<ModelConfig | null> {
	const { id, repo, file } = parseModelId(rawId);
	const local = (await filesOf(id)) ?? (await findExtraModel(id))?.files ?? null;
	if (local?.length) return readLocalConfig(local[0], file).catch(() => null);
	assertOnline();
	try {
		const signal = AbortSignal.timeout(30_000);
		// node-llama-cpp follows redirects itself: hand it the final address, and the token only if that is the Hub.
		const target = await resolveFinal(resolveUrl(repo, 'main', file), { signal });
		return await readRemoteConfig(target.url, file, target.headers, signal);
	} catch (err) {
		log.debug('remote GGUF header unreadable', { id, error: String(err) });
		return null;
	}
}

/**
 * Deletes a model's files, for an admin or the user who downloaded it (403 for anyone else). 404 when
 * absent; 409 while it is downloading or busy (e.g. loaded), and for a model of an extra models dir
 * (read-only: never deleted there).
 */
export async function deleteModel(
	rawId: string,
	actor: Actor,
	options: { isInUse?: BusyCheck } = {}
): Promise<{ deleted: true }> {
	const { id } = parseModelId(rawId);
	if (getDownloadManager().isDownloading(id)) throw new ConflictError(`${id} is downloading`, 'model_downloading');
	const files = await filesOf(id);
	if (!files) {
		const extra = await findExtraModel(id);
		if (extra) {
			throw new ConflictError(
				`${id} is in an extra models dir (${extra.source}), which LLM Manager only reads: delete it with the tool that downloaded it`,
				'model_read_only',
				{ reason: 'read_only', source: extra.source }
			);
		}
		throw new NotFoundError(`Model ${id} not found`, 'model_not_found');
	}
	if (!actor.isAdmin && !(await wasDownloadedBy(id, actor.id))) {
		throw new ForbiddenError('Only an admin or the user who downloaded this model may delete it', 'not_model_owner');
	}
	for (const check of [...busyChecks, ...(options.isInUse ? [options.isInUse] : [])]) {
		const reason = check(id);
		if (reason) throw new ConflictError(`${id} is ${reason}`, 'model_in_use', { reason });
	}
	try {
		for (const file of files) await fsp.rm(file, { force: true });
		await removeEmptyParents(path.dirname(files[0]));
	} finally {
		invalidateLibrary(modelsDir());
	}
	log.info('model deleted', { model_id: id });
	return { deleted: true };
}

/** Removes the repo and owner folders when the deletion left them empty. */
async function removeEmptyParents(dir: string): Promise<void> {
	const root = path.resolve(modelsDir());
	for (let current = dir; current.startsWith(root + path.sep); current = path.dirname(current)) {
		const left = await fsp.readdir(current).catch(() => ['?']);
		if (left.length > 0) return;
		await fsp.rmdir(current).catch(() => {});
	}
}
