/** One audit record on the wire (metadata only: never prompt or output text). */
export type AuditLogEntry = {
	id: number;
	request_id: string;
	timestamp: string;
	user_id: string | null;
	user_email: string | null;
	api_key_id: string | null;
	model: string;
	endpoint: string;
	backend_type: 'local' | 'remote';
	/** The remote backend's name; null when the local pool served the request. */
	backend: string | null;
	status: 'success' | 'error' | 'timeout' | 'cancelled';
	duration_ms: number;
	ttft_ms: number | null;
	prompt_tokens: number;
	/** Prompt tokens reused from kept sequence state instead of being evaluated. */
	cached_tokens: number;
	completion_tokens: number;
	total_tokens: number;
	error_type: string | null;
	error_message: string | null;
};

/** Messages the server sends on `/api/system/ws/audit-logs`. Client messages are ignored. */
export type AuditSocketMessage =
	| { type: 'hello' }
	| { type: 'log'; data: AuditLogEntry }
	| { type: 'ping' };

/** Close codes the UI acts on: 1008 = not signed in (stop reconnecting), 1013 = too slow. */
export const SOCKET_CLOSE_UNAUTHORIZED = 1008;
export const SOCKET_CLOSE_TRY_AGAIN_LATER = 1013;

/** `GET /api/system/audit-logs`: one page, newest first. */
export type AuditLogPage = {
	items: AuditLogEntry[];
	/** Pass as `cursor` for the next (older) page; null when this page is the last. */
	next_cursor: string | null;
	limit: number;
};

/** `GET /api/system/audit-logs/stats` for the same filters as the list. */
export type AuditStats = {
	total_requests: number;
	by_status: Record<string, number>;
	/** Request counts per model, the 100 largest. */
	by_model: Record<string, number>;
	/** Request counts per user email (or id when a row has no email), the 100 largest. */
	by_user: Record<string, number>;
	unique_models: number;
	avg_duration_ms: number | null;
	/** Nearest-rank 95th percentile. */
	p95_duration_ms: number | null;
	tokens: { prompt: number; completion: number; total: number };
};
