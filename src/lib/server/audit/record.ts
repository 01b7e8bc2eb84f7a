import type { schema } from '../db';
import { singleton } from '../http/singleton';
import { log } from '../log';
import type { Caller } from '../auth/types';
import { observeRequest } from '../metrics/requests';
import { insertAuditRows } from './store';

export type AuditStatus = 'success' | 'error' | 'timeout' | 'cancelled';

/** What a `/v1` request reports when it really ends. Never prompt or output text. */
export type AuditRecordInput = {
	requestId: string;
	/** When the request started. */
	startedAt: Date;
	caller: Caller | null;
	model: string;
	endpoint: string;
	/** The remote backend that served the request; null/absent for the local pool. */
	backend?: string | null;
	status: AuditStatus;
	durationMs: number;
	ttftMs?: number | null;
	promptTokens?: number;
	/** Of the prompt tokens, those reused from a sequence's kept state. */
	cachedTokens?: number;
	completionTokens?: number;
	errorType?: string | null;
	errorMessage?: string | null;
};

const MAX_ERROR_MESSAGE = 500;

const count = (n: number | undefined) => (Number.isFinite(n) && n! > 0 ? Math.round(n!) : 0);

export function toRow(input: AuditRecordInput): schema.NewAuditLog {
	const prompt = count(input.promptTokens);
	const completion = count(input.completionTokens);
	return {
		requestId: input.requestId,
		timestamp: input.startedAt,
		userId: input.caller?.user.id ?? null,
		userEmail: input.caller?.user.email ?? null,
		apiKeyId: input.caller?.apiKeyId ?? null,
		model: input.model,
		endpoint: input.endpoint,
		backendType: input.backend ? 'remote' : 'local',
		backend: input.backend ?? null,
		status: input.status,
		durationMs: count(input.durationMs),
		ttftMs: input.ttftMs == null ? null : count(input.ttftMs),
		promptTokens: prompt,
		cachedTokens: Math.min(prompt, count(input.cachedTokens)),
		completionTokens: completion,
		totalTokens: prompt + completion,
		errorType: input.errorType ?? null,
		errorMessage: input.errorMessage ? input.errorMessage.slice(0, MAX_ERROR_MESSAGE) : null
	};
}

export type RecorderOptions = {
	/** Delay between the first queued row and the write. Defaults to 10 ms. */
	flushDelayMs?: number;
	/** Rows per INSERT statement. Defaults to 500. */
	batchSize?: number;
	/** Rows held in memory at most; beyond it new rows are dropped and counted. Defaults to 100,000. */
	maxQueued?: number;
	/** Writes one batch and returns the stored rows (with ids). Defaults to `insertAuditRows`. */
	write?: (rows: schema.NewAuditLog[]) => Promise<schema.AuditLog[]>;
	/** Wait before trying again after a failed write (the database refuses writes). Defaults to 1 s. */
	retryMs?: number;
};

/** Where the audit stands against the database (`/api/servers/health`). */
export type AuditBacklog = { behind: boolean; queued: number; dropped: number; since: string | null; error: string | null };


/**
 * Queues rows and writes them in batches off the request path, so recording never slows inference:
 * `record()` only pushes to an array. One writer loop drains the queue (invariant: at most one write
 * in flight, so rows are committed in the order they were recorded). `flush()` resolves once every row
 * recorded before the call is committed (used on shutdown so no row is lost).
 *
 * While the database refuses writes (full disk, read-only file, lock held elsewhere) a failed batch
 * goes back to the head of the queue and is tried again every `retryMs`: the rows stay in memory, in
 * order, up to `maxQueued`, and are written once the database accepts writes again. The audit is then
 * "behind" (`backlog()`, logged once when it falls behind and once when it catches up). What is lost
 * on a SIGKILL: the rows still queued, normally those of the last `flushDelayMs` (10 ms), and during an
 * outage everything not yet written.
 */
export class AuditRecorder {
	#queue: schema.NewAuditLog[] = [];
	#timer: NodeJS.Timeout | null = null;
	#writing: Promise<void> | null = null;
	#dropped = 0;
	#failingSince: Date | null = null;
	#lastError: string | null = null;
	readonly #retryMs: number;
	readonly #listeners = new Set<(rows: schema.AuditLog[]) => void>();
	readonly #delay: number;
	readonly #batchSize: number;
	readonly #maxQueued: number;
	readonly #write: (rows: schema.NewAuditLog[]) => Promise<schema.AuditLog[]>;

	constructor(options: RecorderOptions = {}) {
		this.#delay = options.flushDelayMs ?? 10;
		this.#batchSize = options.batchSize ?? 500;
		this.#maxQueued = options.maxQueued ?? 100_000;
		this.#write = options.write ?? insertAuditRows;
		this.#retryMs = options.retryMs ?? 1000;
	}

	backlog(): AuditBacklog {
		return {
			behind: this.#failingSince !== null,
			queued: this.#queue.length,
			dropped: this.#dropped,
			since: this.#failingSince?.toISOString() ?? null,
			error: this.#lastError
		};
	}

	record(input: AuditRecordInput): void {
		if (this.#queue.length >= this.#maxQueued) {
			// The database is far behind; keeping memory bounded matters more than one row.
			if (this.#dropped++ % 1000 === 0) log.error('audit queue full: rows dropped', { dropped: this.#dropped });
			return;
		}
		this.#queue.push(toRow(input));
		if (!this.#writing) this.#schedule();
	}

	#schedule(delay = this.#failingSince ? this.#retryMs : this.#delay): void {
		this.#timer ??= setTimeout(() => void this.flush(), delay);
	}

	/** Rows waiting to be written. */
	get queued(): number {
		return this.#queue.length;
	}

	get dropped(): number {
		return this.#dropped;
	}

	/** Called with the rows (with their ids) after each batch is committed. */
	onWritten(listener: (rows: schema.AuditLog[]) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	/**
	 * Writes everything queued; resolves when the queue is empty and no write is in flight, or, while
	 * the database refuses writes, after one failed try (the rows stay queued and are retried).
	 */
	async flush(): Promise<void> {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
		while (this.#writing || this.#queue.length > 0) {
			let failed = false;
			this.#writing ??= this.#drain()
				.then((ok) => void (failed = !ok))
				.finally(() => {
					this.#writing = null;
					// A row recorded in the same tick as the drain ended still gets written; after a
					// failure, the next try waits `retryMs`.
					if (this.#queue.length > 0) this.#schedule();
				});
			await this.#writing;
			if (failed) return;
		}
	}

	/** Writes batches until the queue is empty (true) or a write fails (false: the batch is queued again). */
	async #drain(): Promise<boolean> {
		while (this.#queue.length > 0) {
			const batch = this.#queue.splice(0, this.#batchSize);
			let rows: schema.AuditLog[];
			try {
				rows = await this.#write(batch);
			} catch (err) {
				this.#queue.unshift(...batch);
				this.#lastError = String(err).slice(0, 300);
				if (!this.#failingSince) {
					this.#failingSince = new Date();
					log.error('audit behind: the database refuses writes; rows are kept and written when it accepts them again', {
						queued: this.#queue.length,
						error: this.#lastError
					});
				}
				return false;
			}
			if (this.#failingSince) {
				log.info('audit caught up: the database accepts writes again', {
					behind_ms: Date.now() - this.#failingSince.getTime(),
					queued: this.#queue.length
				});
				this.#failingSince = null;
				this.#lastError = null;
			}
			for (const listener of this.#listeners) {
				try {
					listener(rows);
				} catch (err) {
					log.error('audit listener failed', { error: String(err) });
				}
			}
		}
		return true;
	}
}

export function getAuditRecorder(): AuditRecorder {
	return singleton('audit-recorder', () => new AuditRecorder());
}

/** Records one finished `/v1` request. Never blocks: the row is written a few ms later. */
export function record(input: AuditRecordInput): void {
	getAuditRecorder().record(input);
	observeRequest(input);
}
