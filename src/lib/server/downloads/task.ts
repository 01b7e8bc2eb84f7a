/**
 * One download in memory: its row, the live byte count and speed, its listeners (SSE views) and its
 * running worker. Listeners hear every status change at once and progress at most every
 * `PROGRESS_INTERVAL_MS`; they never affect the download.
 */
import type { DownloadView } from './schemas';
import type { DownloadStatus } from './state';
import type { DownloadRow } from './store';

export const PROGRESS_INTERVAL_MS = 250;
const SPEED_WINDOW_MS = 3000;

export type Listener = (view: DownloadView) => void;

export class Task {
	row: DownloadRow;
	downloaded: number;
	worker: { controller: AbortController; done: Promise<void> } | null = null;
	#listeners = new Set<Listener>();
	#samples: [number, number][] = [];
	#progressTimer: ReturnType<typeof setTimeout> | null = null;

	constructor(row: DownloadRow) {
		this.row = row;
		this.downloaded = row.downloadedBytes;
	}

	get id() {
		return this.row.id;
	}
	get status(): DownloadStatus {
		return this.row.status;
	}

	setStatus(status: DownloadStatus, error: string | null = this.row.error): void {
		const changed = status !== this.row.status || error !== this.row.error;
		this.row = { ...this.row, status, error, updatedAt: new Date() };
		if (status !== 'downloading') this.#samples = [];
		if (changed) this.emit();
	}

	/** Bytes arrived: count them and let listeners know soon (coalesced). */
	addBytes(n: number): void {
		this.downloaded += n;
		const now = Date.now();
		const last = this.#samples[this.#samples.length - 1];
		if (!last || now - last[0] >= 200) {
			this.#samples.push([now, this.downloaded]);
			while (this.#samples.length > 2 && now - this.#samples[0][0] > SPEED_WINDOW_MS) this.#samples.shift();
		}
		this.#progressTimer ??= setTimeout(() => {
			this.#progressTimer = null;
			this.emit();
		}, PROGRESS_INTERVAL_MS);
	}

	resetBytes(n: number): void {
		this.downloaded = n;
		this.#samples = [];
	}

	speed(now = Date.now()): number {
		if (this.status !== 'downloading' || this.#samples.length === 0) return 0;
		const [t0, b0] = this.#samples[0];
		// Nothing arrived for a while: the speed is falling, not frozen at its last value.
		if (now - this.#samples[this.#samples.length - 1][0] > SPEED_WINDOW_MS) return 0;
		return now - t0 > 0 ? Math.round(((this.downloaded - b0) * 1000) / (now - t0)) : 0;
	}

	view(): DownloadView {
		const total = this.row.totalBytes;
		const downloaded = this.status === 'completed' ? total : Math.min(this.downloaded, total);
		const speed = this.speed();
		return {
			download_id: this.row.id,
			task_id: this.row.taskId,
			model_id: this.row.modelId,
			repo: this.row.repo,
			file: this.row.file,
			status: this.status,
			progress: total > 0 ? Math.floor((downloaded / total) * 1000) / 10 : 0,
			downloaded_bytes: downloaded,
			total_bytes: total,
			speed_bps: speed,
			eta_seconds: speed > 0 ? Math.ceil((total - downloaded) / speed) : null,
			error: this.row.error,
			parts: this.row.parts.length,
			user_id: this.row.userId,
			created_at: this.row.createdAt.toISOString(),
			updated_at: this.row.updatedAt.toISOString(),
			completed_at: this.row.completedAt?.toISOString() ?? null
		};
	}

	subscribe(listener: Listener): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	get listenerCount(): number {
		return this.#listeners.size;
	}

	emit(): void {
		if (this.#progressTimer) clearTimeout(this.#progressTimer);
		this.#progressTimer = null;
		if (this.#listeners.size === 0) return;
		const view = this.view();
		for (const listener of this.#listeners) {
			try {
				listener(view);
			} catch {
				// a broken view must not break the download
			}
		}
	}
}

/** A finished or never-loaded row, viewed without a live task. */
export function viewOfRow(row: DownloadRow): DownloadView {
	return new Task(row).view();
}
