import type { schema } from '../db';
import type { AuditLogEntry } from '$lib/types/audit';

/** A stored row in the wire shape (snake_case, ISO time). */
export function toEntry(row: schema.AuditLog): AuditLogEntry {
	return {
		id: row.id,
		request_id: row.requestId,
		timestamp: row.timestamp.toISOString(),
		user_id: row.userId,
		user_email: row.userEmail,
		api_key_id: row.apiKeyId,
		model: row.model,
		endpoint: row.endpoint,
		backend_type: row.backend ? 'remote' : 'local',
		backend: row.backend,
		status: row.status,
		duration_ms: row.durationMs,
		ttft_ms: row.ttftMs,
		prompt_tokens: row.promptTokens,
		cached_tokens: row.cachedTokens,
		completion_tokens: row.completionTokens,
		total_tokens: row.totalTokens,
		error_type: row.errorType,
		error_message: row.errorMessage
	};
}
