/**
 * Download tiles of the `/models` page. Each non-terminal download is watched through an
 * `EventSource` on its progress stream (same origin, so the session cookie goes with it). The stream
 * only watches: closing it never changes the download. `EventSource` reconnects by itself when a
 * stream ends, so it is closed explicitly on a terminal status.
 */
import { isUnreachable, reachability } from '$lib/client/reachability.svelte';
import { ApiError } from '$lib/client/api';
import {
	TERMINAL,
	controlDownload,
	listActiveDownloads,
	progressUrl,
	startDownload,
	type DownloadProgress,
	type DownloadStatus
} from '$lib/client/models';

export type DownloadTile = {
	id: string;
	taskId: string;
	data: DownloadProgress;
	/** The last message for this tile (a refused action, a lost stream). */
	message: string;
	busy: boolean;
	live: boolean;
};

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));

function emptyProgress(ids: { download_id: string; model_id: string; status?: DownloadStatus }): DownloadProgress {
	return { download_id: ids.download_id, model_id: ids.model_id, status: ids.status ?? 'pending', progress: 0, downloaded_bytes: 0, total_bytes: 0, speed_bps: 0, eta_seconds: null, error: null };
}

export class DownloadsState {
	tiles: DownloadTile[] = $state([]);
	error = $state('');
	#sources = new Map<string, EventSource>();
	#onCompleted: (d: DownloadProgress) => void;

	constructor(onCompleted: (d: DownloadProgress) => void) {
		this.#onCompleted = onCompleted;
	}

	/** Puts back a bar for every download still in flight (a reloaded page). */
	async reconnect(): Promise<void> {
		try {
			for (const d of await listActiveDownloads()) {
				if (d.task_id) this.#watch(this.#upsert(d, d.task_id));
			}
			this.error = '';
		} catch (err) {
			this.error = isUnreachable(err) ? '' : `Could not load the active downloads: ${describe(err)}`;
		}
	}

	/** Starts (or joins: the server de-duplicates) a download; throws the server's refusal. */
	async start(repo: string, file?: string): Promise<DownloadTile> {
		const ids = await startDownload(repo, file);
		const existing = this.tiles.find((t) => t.id === ids.download_id);
		const tile = existing && !TERMINAL.has(existing.data.status) ? existing : this.#upsert(emptyProgress(ids), ids.task_id);
		this.#watch(tile);
		return tile;
	}

	async control(tile: DownloadTile, action: 'pause' | 'resume' | 'cancel'): Promise<void> {
		tile.busy = true;
		tile.message = '';
		try {
			const next = await controlDownload(tile.id, action);
			this.#apply(tile, next);
			if (next.task_id && next.task_id !== tile.taskId) {
				this.#close(tile.id);
				tile.taskId = next.task_id;
			}
			if (!TERMINAL.has(tile.data.status)) this.#watch(tile);
		} catch (err) {
			tile.message = err instanceof ApiError && err.status === 409 ? err.message : `Could not ${action}: ${describe(err)}`;
		} finally {
			tile.busy = false;
		}
	}

	dismiss(tile: DownloadTile): void {
		this.#close(tile.id);
		this.tiles = this.tiles.filter((t) => t.id !== tile.id);
	}

	dispose(): void {
		for (const id of [...this.#sources.keys()]) this.#close(id);
	}

	#upsert(data: DownloadProgress, taskId: string): DownloadTile {
		const existing = this.tiles.find((t) => t.id === data.download_id);
		if (existing) {
			existing.taskId = taskId;
			existing.data = { ...existing.data, ...data };
			existing.message = '';
			return existing;
		}
		this.tiles.unshift({ id: data.download_id, taskId, data, message: '', busy: false, live: false });
		return this.tiles[0];
	}

	#watch(tile: DownloadTile): void {
		if (this.#sources.has(tile.id)) return;
		const source = new EventSource(progressUrl(tile.taskId));
		this.#sources.set(tile.id, source);
		source.onopen = () => this.#find(tile.id, (t) => ((t.live = true), (t.message = '')));
		source.onmessage = (event) => this.#onEvent(tile.id, event.data);
		source.onerror = () => {
			// CONNECTING: the browser retries by itself. CLOSED: refused (e.g. 401/404), it will not.
			const closed = source.readyState === EventSource.CLOSED;
			if (!closed) void reachability.check();
			this.#find(tile.id, (t) => {
				t.live = false;
				t.message = closed ? 'Live progress is unavailable; reload the page to try again.' : 'Connection lost, reconnecting…';
			});
			if (closed) {
				this.#close(tile.id);
				void this.#retarget(tile.id);
			}
		};
	}

	/** A refused stream may mean the task id changed (the server restarted): follow the new one. */
	async #retarget(id: string): Promise<void> {
		const current = (await listActiveDownloads().catch(() => [])).find((d) => d.download_id === id);
		this.#find(id, (tile) => {
			if (!current?.task_id || current.task_id === tile.taskId) return;
			this.#upsert(current, current.task_id);
			this.#watch(tile);
		});
	}

	#onEvent(id: string, raw: string): void {
		let event: Partial<DownloadProgress> & { error?: string | null };
		try {
			event = JSON.parse(raw);
		} catch {
			return;
		}
		this.#find(id, (tile) => {
			if (!event.download_id && event.error) {
				tile.message = event.error;
				tile.live = false;
				this.#close(id);
				void this.#retarget(id);
				return;
			}
			this.#apply(tile, event as DownloadProgress);
		});
	}

	#apply(tile: DownloadTile, next: DownloadProgress): void {
		const wasDone = tile.data.status === 'completed';
		tile.data = { ...tile.data, ...next };
		if (!TERMINAL.has(tile.data.status)) return;
		tile.live = false;
		this.#close(tile.id);
		if (tile.data.status === 'completed' && !wasDone) this.#onCompleted(tile.data);
	}

	#find(id: string, fn: (tile: DownloadTile) => void): void {
		const tile = this.tiles.find((t) => t.id === id);
		if (tile) fn(tile);
	}

	#close(id: string): void {
		this.#sources.get(id)?.close();
		this.#sources.delete(id);
	}
}
