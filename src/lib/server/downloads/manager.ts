/**
 * The download manager: starts, de-duplicates, queues (at most `maxConcurrent` transfers), pauses,
 * resumes and cancels downloads, and recovers them at start. One worker per download, independent of
 * any viewer. The database row is the durable truth; `Task` holds the live state.
 *
 * Invariants: a model id has at most one active (pending/downloading/paused) task, registered in
 * `#byModel` synchronously after the last await of `start`, so two concurrent requests share one
 * transfer. A task has a worker only while `downloading`; every action that stops a worker awaits it
 * before touching files, so a partial file never has two writers.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, ForbiddenError, InsufficientStorageError, NotFoundError } from '../http/errors';
import { assertOnline } from '../hub/client';
import { invalidateLibrary } from '../library/cache';
import { log } from '../log';
import { planDownload, type StartInput } from './plan';
import type { DownloadView, StartedDownload } from './schemas';
import { isActive, isTerminal, transition, type DownloadAction, type DownloadStatus } from './state';
import { TaskSaver } from './saver';
import * as store from './store';
import { Task, viewOfRow } from './task';
import { bytesOnDisk, removePartials, runJob, type Job } from './worker';
import { ConnectionSlots } from './connections';
import { Stop, failureMessage, started, type StopKind } from './outcome';

export type ManagerOptions = {
	modelsDir: string;
	maxConcurrent: number;
	stallMs: number;
	/** Pool memory limit, for picking the recommended file. */
	limitBytes: () => number;
	/** Free bytes on the file system holding `dir`. */
	freeBytes?: (dir: string) => Promise<number>;
	persistIntervalMs?: number;
	backoffMs?: (attempt: number) => number;
	/** Connections to the Hub: per file, and shared by all downloads. Defaults to 1. */
	connections?: number;
};

export type Actor = { id: string; isAdmin: boolean };

export class DownloadManager {
	#tasks = new Map<string, Task>();
	#byTaskId = new Map<string, string>();
	#byModel = new Map<string, Task>();
	#saver = new TaskSaver();
	#timer: ReturnType<typeof setInterval> | null = null;
	#stopping = false;
	#slots: ConnectionSlots;

	constructor(readonly options: ManagerOptions) {
		this.#slots = new ConnectionSlots(options.connections ?? 1);
	}

	#job(row: { repo: string; revision: string; parts: Job['parts'] }): Job {
		return { repo: row.repo, revision: row.revision, parts: row.parts, modelsDir: this.options.modelsDir };
	}

	async start(input: StartInput, userId: string | null): Promise<StartedDownload> {
		const plan = await planDownload(input, this.options);
		const { model, modelId } = plan;

		// No await from here until the task is registered (de-duplication).
		const existing = this.#byModel.get(modelId);
		if (existing) return started(existing, true);
		if (plan.onDisk) throw new ConflictError(`${modelId} is already downloaded`, 'already_downloaded', { model_id: modelId });
		const missing = model.size_bytes - plan.have;
		// Running and queued downloads will still take what they have not written yet.
		const reserved = this.#reservedBytes();
		const available = Math.max(0, plan.free - reserved);
		if (missing > available) {
			throw new InsufficientStorageError(
				`Not enough free disk space: ${missing} bytes needed, ${plan.free} free` +
					(reserved > 0 ? ` of which ${reserved} are reserved by other downloads` : ''),
				{ needed_bytes: missing, free_bytes: plan.free, reserved_bytes: reserved }
			);
		}
		const now = new Date();
		const task = new Task({
			id: randomUUID(),
			taskId: randomUUID(),
			userId,
			modelId,
			repo: plan.repo,
			file: model.file,
			revision: plan.revision,
			parts: model.part_files,
			status: 'pending',
			totalBytes: model.size_bytes,
			downloadedBytes: plan.have,
			error: null,
			createdAt: now,
			updatedAt: now,
			completedAt: null
		});
		this.#register(task);
		try {
			await store.insertDownload(task.row);
		} catch (err) {
			// Not saved means not started: nothing in memory may outlive the failed request.
			this.#forget(task);
			throw err;
		}
		log.info('download queued', { model_id: modelId, bytes: model.size_bytes });
		this.#pump();
		return started(task, false);
	}

	#register(task: Task): void {
		this.#tasks.set(task.id, task);
		this.#byTaskId.set(task.row.taskId, task.id);
		this.#byModel.set(task.row.modelId, task);
		this.#saver.track(task);
	}

	/** Bytes that active downloads have yet to write. */
	#reservedBytes(): number {
		let total = 0;
		for (const task of this.#tasks.values()) {
			if (isActive(task.status)) total += Math.max(0, task.row.totalBytes - task.downloaded);
		}
		return total;
	}

	#forget(task: Task): void {
		this.#tasks.delete(task.id);
		this.#byTaskId.delete(task.row.taskId);
		if (this.#byModel.get(task.row.modelId) === task) this.#byModel.delete(task.row.modelId);
		this.#saver.untrack(task);
	}

	/** The live task behind a task id (SSE subscribes to it); undefined when not active. */
	liveTask(taskId: string): Task | undefined {
		const id = this.#byTaskId.get(taskId);
		return id ? this.#tasks.get(id) : undefined;
	}

	async viewByTask(taskId: string): Promise<DownloadView | null> {
		const live = this.liveTask(taskId);
		if (live) return live.view();
		const row = await store.findByTask(taskId);
		return row ? viewOfRow(row) : null;
	}

	async listActive(): Promise<DownloadView[]> {
		const rows = await store.findByStatus(['pending', 'downloading', 'paused']);
		return rows.map((row) => this.#tasks.get(row.id)?.view() ?? viewOfRow(row));
	}

	isDownloading(modelId: string): boolean {
		const task = this.#byModel.get(modelId);
		return task !== undefined && isActive(task.status);
	}

	async #activeTask(downloadId: string, actor: Actor, action: DownloadAction): Promise<Task> {
		const task = this.#tasks.get(downloadId);
		const row = task?.row ?? (await store.findById(downloadId));
		if (!row) throw new NotFoundError(`Download ${downloadId} not found`, 'download_not_found');
		if (row.userId && row.userId !== actor.id && !actor.isAdmin) {
			throw new ForbiddenError('Only the user who started a download (or an admin) can change it', 'not_owner');
		}
		transition(row.status, action); // 409 naming the current state
		if (!task) throw new ConflictError(`Download is ${row.status}`, 'invalid_state', { status: row.status });
		return task;
	}

	async pause(downloadId: string, actor: Actor): Promise<DownloadView> {
		const task = await this.#activeTask(downloadId, actor, 'pause');
		await this.#stopWorker(task, 'pause');
		task.setStatus(transition(task.status, 'pause'));
		await this.#save(task);
		this.#pump();
		return task.view();
	}

	async resume(downloadId: string, actor: Actor): Promise<DownloadView> {
		const task = await this.#activeTask(downloadId, actor, 'resume');
		assertOnline();
		const next = transition(task.status, 'resume');
		if (this.#runningCount() < this.options.maxConcurrent) this.#launch(task, next);
		else task.setStatus('pending', null);
		await this.#save(task);
		return task.view();
	}

	async cancel(downloadId: string, actor: Actor): Promise<DownloadView> {
		const task = await this.#activeTask(downloadId, actor, 'cancel');
		await this.#stopWorker(task, 'cancel');
		task.setStatus(transition(task.status, 'cancel'));
		await removePartials(this.#job(task.row), { all: true });
		task.resetBytes(0);
		await this.#save(task);
		this.#forget(task);
		this.#pump();
		return task.view();
	}

	async #stopWorker(task: Task, kind: StopKind): Promise<void> {
		const worker = task.worker;
		if (!worker) return;
		worker.controller.abort(new Stop(kind));
		await worker.done;
		// The worker may have finished on its own just before the stop: then the action is illegal.
		if (isTerminal(task.status)) throw new ConflictError(`Download is ${task.status}`, 'invalid_state', { status: task.status });
	}

	#runningCount(): number {
		let n = 0;
		for (const task of this.#tasks.values()) if (task.worker) n++;
		return n;
	}

	/** Starts queued downloads, oldest first, up to the concurrency limit. */
	#pump(): void {
		if (this.#stopping) return;
		let free = this.options.maxConcurrent - this.#runningCount();
		const queued = [...this.#tasks.values()]
			.filter((t) => t.status === 'pending' && !t.worker)
			.sort((a, b) => a.row.createdAt.getTime() - b.row.createdAt.getTime());
		for (const task of queued) {
			if (free-- <= 0) break;
			this.#launch(task, transition(task.status, 'start'));
			void this.#saver.saveLater(task);
		}
	}

	#launch(task: Task, status: DownloadStatus): void {
		const controller = new AbortController();
		const job = this.#job(task.row);
		task.setStatus(status, null);
		const run = async () => {
			task.resetBytes(await bytesOnDisk(job));
			await runJob(job, {
				signal: controller.signal,
				stallMs: this.options.stallMs,
				backoffMs: this.options.backoffMs,
				connections: this.options.connections ?? 1,
				slots: this.#slots,
				onBytes: (n) => task.addBytes(n),
				onRetry: (attempt, error) => log.warn('download retrying', { model_id: task.row.modelId, attempt, error })
			});
		};
		const done = run()
			.then(
				() => this.#finish(task, null),
				(err) => this.#finish(task, err)
			)
			.catch((err) => log.error('download bookkeeping failed', { model_id: task.row.modelId, error: String(err) }));
		task.worker = { controller, done };
	}

	async #finish(task: Task, err: unknown): Promise<void> {
		task.worker = null;
		if (err instanceof Stop) return; // the action that stopped it sets the status
		if (err === null) {
			task.row = { ...task.row, completedAt: new Date() };
			task.resetBytes(task.row.totalBytes);
			task.setStatus(transition(task.status, 'complete'), null);
			invalidateLibrary(this.options.modelsDir);
			log.info('download completed', { model_id: task.row.modelId });
		} else {
			const message = failureMessage(err);
			task.setStatus(transition(task.status, 'fail'), message);
			log.warn('download failed', { model_id: task.row.modelId, error: message });
		}
		await this.#saver.saveLater(task);
		this.#forget(task);
		this.#pump();
	}

	#save(task: Task): Promise<void> {
		return this.#saver.save(task);
	}

	/** Saves what failed to save before, and the byte counts of running downloads (every few seconds). */
	persistProgress(): Promise<void> {
		return this.#saver.retry([...this.#tasks.values()].filter((t) => t.worker));
	}

	/** At start: interrupted downloads queue again (and start), paused ones stay paused. */
	async recover(): Promise<void> {
		for (const row of await store.findByStatus(['pending', 'downloading', 'paused'])) {
			const task = new Task(row);
			task.resetBytes(await bytesOnDisk(this.#job(row)));
			if (row.status === 'downloading') task.setStatus('pending');
			this.#register(task);
			await this.#save(task);
		}
		const interval = this.options.persistIntervalMs ?? 2000;
		this.#timer = setInterval(() => void this.persistProgress().catch(() => {}), interval);
		this.#timer.unref();
		this.#pump();
	}

	/** Stops every transfer, keeping partial files and `downloading` rows so the next start resumes them. */
	async shutdown(): Promise<void> {
		this.#stopping = true;
		if (this.#timer) clearInterval(this.#timer);
		const running = [...this.#tasks.values()].filter((t) => t.worker);
		for (const task of running) task.worker!.controller.abort(new Stop('shutdown'));
		await Promise.all(running.map((t) => t.worker?.done));
		await this.#saver.flush(running);
	}
}
