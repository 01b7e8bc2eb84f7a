import fs from 'node:fs';
import { singleton } from '../http/singleton';
import { log } from '../log';
import { scanModels, type LocalModel } from './scan';

/** With a watcher, the listing is re-read at least this often anyway (a missed event never hides a file for long). */
const MAX_AGE_WATCHED_MS = 60_000;
/** Without one (unsupported, or it failed), the listing is re-read when older than this. */
const MAX_AGE_UNWATCHED_MS = 2_000;

/** Changes that never change the listing: downloads in progress (with their written-ranges records) and hidden files. */
const IGNORED = /(\.partial(\.ranges\.json(\.tmp)?)?$)|(^|\/)\./;

export type Listing = { models: LocalModel[]; mtimes: ReadonlyMap<string, number> };

/**
 * The local library, scanned once and kept current: a recursive `fs.watch` on the models dir marks
 * it stale on any change (files dropped in or removed by hand), and the app marks it stale itself
 * when a download completes or a model is deleted. Requests read the cached listing; the next one
 * after a change re-scans (once, however many ask at the same time). Metadata of unchanged files is
 * cached by the scanner per size and mtime, so a re-scan reads only new or changed headers.
 */
export type Scanner = (dir: string, mtimes: Map<string, number>) => Promise<LocalModel[]>;

export class LibraryCache {
	readonly #dir: string;
	readonly #scanner: Scanner | null;
	readonly #create: boolean;
	#listing: Listing | null = null;
	#scannedAt = 0;
	#scan: Promise<Listing> | null = null;
	#generation = 0;
	#watcher: fs.FSWatcher | null = null;
	#watchTried = false;

	/** `scanner` replaces the models-dir scan; `create: false` never creates the folder (a read-only one). */
	constructor(dir: string, options: { scanner?: Scanner; create?: boolean } = {}) {
		this.#dir = dir;
		this.#scanner = options.scanner ?? null;
		this.#create = options.create ?? true;
	}

	async list(): Promise<Listing> {
		this.#watch();
		const maxAge = this.#watcher ? MAX_AGE_WATCHED_MS : MAX_AGE_UNWATCHED_MS;
		if (this.#listing && performance.now() - this.#scannedAt < maxAge) return this.#listing;
		return this.#rescan();
	}

	/** The listing may be out of date: the next read scans again. */
	invalidate(): void {
		this.#generation++;
		this.#listing = null;
		this.#scan = null;
	}

	close(): void {
		this.#watcher?.close();
		this.#watcher = null;
	}

	#rescan(): Promise<Listing> {
		if (this.#scan) return this.#scan;
		const generation = this.#generation;
		const startedAt = performance.now();
		const mtimes = new Map<string, number>();
		const scanned = this.#scanner ? this.#scanner(this.#dir, mtimes) : scanModels(this.#dir, () => false, mtimes);
		const scan: Promise<Listing> = scanned
			.then((models) => {
				const listing = { models, mtimes };
				// A change seen while scanning may have been missed by this scan: keep it stale.
				if (generation === this.#generation) {
					this.#listing = listing;
					this.#scannedAt = startedAt;
				}
				return listing;
			})
			.finally(() => {
				if (this.#scan === scan) this.#scan = null;
			});
		this.#scan = scan;
		return scan;
	}

	#watch(): void {
		if (this.#watchTried) return;
		this.#watchTried = true;
		try {
			if (this.#create) fs.mkdirSync(this.#dir, { recursive: true });
			const watcher = fs.watch(this.#dir, { recursive: true, persistent: false }, (_type, name) => {
				if (name && IGNORED.test(String(name))) return;
				this.invalidate();
			});
			watcher.on('error', (err) => {
				log.warn('models dir watch stopped; the library is re-read every few seconds instead', { error: String(err) });
				watcher.close();
				if (this.#watcher === watcher) this.#watcher = null;
				this.invalidate();
			});
			this.#watcher = watcher;
		} catch (err) {
			log.warn('cannot watch the models dir; the library is re-read every few seconds instead', { error: String(err) });
		}
	}
}

/** The process's library cache for a models dir. */
export function getLibraryCache(dir: string): LibraryCache {
	const caches = singleton('library-cache', () => new Map<string, LibraryCache>());
	let cache = caches.get(dir);
	if (!cache) {
		cache = new LibraryCache(dir);
		caches.set(dir, cache);
	}
	return cache;
}

/** Marks the library of `dir` stale (a download completed, a model was deleted). */
export function invalidateLibrary(dir: string): void {
	singleton('library-cache', () => new Map<string, LibraryCache>()).get(dir)?.invalidate();
}
