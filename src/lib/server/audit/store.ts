import type { Client } from '@libsql/client';
import { getDb, type schema } from '../db';

/** drizzle's libSQL database carries its client; the app's `Database` type leaves it out. */
const client = () => (getDb() as unknown as { $client: Client }).$client;

/** Column order of the INSERT; must match `values()` below. */
const COLUMNS = [
	'request_id',
	'timestamp',
	'user_id',
	'user_email',
	'api_key_id',
	'model',
	'endpoint',
	'backend_type',
	'backend',
	'status',
	'duration_ms',
	'ttft_ms',
	'prompt_tokens',
	'cached_tokens',
	'completion_tokens',
	'total_tokens',
	'error_type',
	'error_message'
];
const PLACEHOLDERS = `(${COLUMNS.map(() => '?').join(',')})`;

/** A complete row as `toRow` makes it, in stored form. */
function complete(row: schema.NewAuditLog): Omit<schema.AuditLog, 'id'> {
	return {
		requestId: row.requestId,
		timestamp: row.timestamp,
		userId: row.userId ?? null,
		userEmail: row.userEmail ?? null,
		apiKeyId: row.apiKeyId ?? null,
		model: row.model ?? '',
		endpoint: row.endpoint,
		backendType: row.backendType ?? 'local',
		backend: row.backend ?? null,
		status: row.status,
		durationMs: row.durationMs ?? 0,
		ttftMs: row.ttftMs ?? null,
		promptTokens: row.promptTokens ?? 0,
		cachedTokens: row.cachedTokens ?? 0,
		completionTokens: row.completionTokens ?? 0,
		totalTokens: row.totalTokens ?? 0,
		errorType: row.errorType ?? null,
		errorMessage: row.errorMessage ?? null
	};
}

function values(r: Omit<schema.AuditLog, 'id'>): (string | number | null)[] {
	return [
		r.requestId,
		r.timestamp.getTime(),
		r.userId,
		r.userEmail,
		r.apiKeyId,
		r.model,
		r.endpoint,
		r.backendType,
		r.backend,
		r.status,
		r.durationMs,
		r.ttftMs,
		r.promptTokens,
		r.cachedTokens,
		r.completionTokens,
		r.totalTokens,
		r.errorType,
		r.errorMessage
	];
}

/**
 * Inserts a batch in one statement and returns the stored rows with their ids. Written as plain SQL:
 * building a 500-row INSERT through the query builder cost ~30× more than executing it.
 * Ids are AUTOINCREMENT, so the rows of one statement get increasing ids in VALUES order.
 */
export async function insertAuditRows(rows: schema.NewAuditLog[]): Promise<schema.AuditLog[]> {
	if (rows.length === 0) return [];
	const full = rows.map(complete);
	const result = await client().execute({
		sql: `INSERT INTO audit_logs (${COLUMNS.join(',')}) VALUES ${Array(full.length).fill(PLACEHOLDERS).join(',')} RETURNING id`,
		args: full.flatMap(values)
	});
	const ids = result.rows.map((r) => Number(r.id)).sort((a: number, b: number) => a - b);
	return full.map((row, i) => ({ id: ids[i], ...row }));
}
