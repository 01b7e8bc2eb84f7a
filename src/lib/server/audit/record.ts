import { getDb, schema } from '../db';
import { singleton } from '../http/singleton';
import { log } from '../log';
import type { Caller } from '../auth/types';

export type AuditStatus = 'success' | 'error' | 'timeout' | 'cancelled';

/** What a `/v1` request reports when it really ends. Never prompt or output text. */
export type AuditRecordInput = {
	requestId: string;
	/** When the request started. */
	startedAt: Date;
	caller: Caller | null;
	model: string;
	endpoint: string;
	status: AuditStatus;
	durationMs: number;
	ttftMs?: number | null;
	promptTokens?: number;
	completionTokens?: number;
	errorType?: string | null;
	errorMessage?: string | null;
};

const MAX_ERROR_MESSAGE = 500;

export function toRow(input: AuditRecordInput): schema.NewAuditLog {
	const prompt = input.promptTokens ?? 0;
	const completion = input.completionTokens ?? 0;
	return {
		requestId: input.requestId,
		timestamp: input.startedAt,
		userId: input.caller?.user.id ?? null,
		userEmail: input.caller?.user.email ?? null,
		apiKeyId: input.caller?.apiKeyId ?? null,
		model: input.model,
		endpoint: input.endpoint,
		backendType: 'local',
		status: input.status,
		durationMs: Math.max(0, Math.round(input.durationMs)),
		ttftMs: input.ttftMs == null ? null : Math.max(0, Math.round(input.ttftMs)),
		promptTokens: prompt,
		completionTokens: completion,
		totalTokens: prompt + completion,
		errorType: input.errorType ?? null,
		errorMessage: input.errorMessage ? input.errorMessage.slice(0, MAX_ERROR_MESSAGE) : null
	};
}

/**
 * Queues rows and writes them in batches off the request path, so recording never slows inference.
 * `flush()` writes whatever is queued (called on shutdown so no row is lost).
 */
export class AuditRecorder {
	#queue: schema.NewAuditLog[] = [];
	#timer: NodeJS.Timeout | null = null;
	#flushing: Promise<void> = Promise.resolve();
	readonly #listeners = new Set<(rows: schema.AuditLog[]) => void>();

	record(input: AuditRecordInput): void {
		this.#queue.push(toRow(input));
		this.#timer ??= setTimeout(() => void this.flush(), 10);
	}

	/** Called with the rows (with their ids) after each batch is committed. */
	onWritten(listener: (rows: schema.AuditLog[]) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	flush(): Promise<void> {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
		const batch = this.#queue;
		this.#queue = [];
		this.#flushing = this.#flushing.then(async () => {
			if (batch.length === 0) return;
			try {
				const rows = await getDb().insert(schema.auditLogs).values(batch).returning();
				for (const listener of this.#listeners) listener(rows);
			} catch (err) {
				log.error('audit write failed', { rows: batch.length, error: String(err) });
			}
		});
		return this.#flushing;
	}
}

export function getAuditRecorder(): AuditRecorder {
	return singleton('audit-recorder', () => new AuditRecorder());
}

/** Records one finished `/v1` request. */
export function record(input: AuditRecordInput): void {
	getAuditRecorder().record(input);
}
