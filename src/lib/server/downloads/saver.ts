/**
 * Writes tasks' state to the `downloads` table. A failed save (database busy, full or read-only) is
 * remembered and tried again by `retry` (every few seconds), so the row catches up with the task once
 * the database accepts writes again; nothing here rejects without a handler.
 */
import { log } from '../log';
import * as store from './store';
import type { Task } from './task';

export class TaskSaver {
	/** Byte count last saved per task. */
	#saved = new Map<string, number>();
	#unsaved = new Map<string, Task>();
	#retrying = false;

	track(task: Task): void {
		this.#saved.set(task.id, task.downloaded);
	}

	/** Stops counting bytes for a finished task (a pending failed save is still retried). */
	untrack(task: Task): void {
		this.#saved.delete(task.id);
	}

	async save(task: Task): Promise<void> {
		const downloaded = task.downloaded;
		try {
			await store.updateDownload(task.id, {
				status: task.status,
				downloadedBytes: Math.min(downloaded, task.row.totalBytes),
				error: task.row.error,
				completedAt: task.row.completedAt
			});
		} catch (err) {
			this.#unsaved.set(task.id, task);
			throw err;
		}
		this.#saved.set(task.id, downloaded);
		this.#unsaved.delete(task.id);
	}

	/** Saves without a caller waiting: a failure is logged and retried later. */
	saveLater(task: Task): Promise<void> {
		return this.save(task).catch((err) => log.error('could not save download', { model_id: task.row.modelId, error: String(err) }));
	}

	/** Saves the tasks whose last save failed, and `running` ones whose byte count moved. One run at a time. */
	async retry(running: Iterable<Task>): Promise<void> {
		if (this.#retrying) return;
		this.#retrying = true;
		try {
			const due = new Set(this.#unsaved.values());
			for (const task of running) if (this.#saved.get(task.id) !== task.downloaded) due.add(task);
			for (const task of due) {
				const wasUnsaved = this.#unsaved.has(task.id);
				await this.save(task);
				if (wasUnsaved) log.info('download saved after an earlier failure', { model_id: task.row.modelId, status: task.status });
			}
		} finally {
			this.#retrying = false;
		}
	}

	/** At shutdown: one last try for every task given and every unsaved one. */
	async flush(tasks: Iterable<Task>): Promise<void> {
		for (const task of new Set([...tasks, ...this.#unsaved.values()])) await this.save(task).catch(() => {});
	}
}
