/** Helpers for audit tests: rows written straight into the database, and a collecting socket client. */
import path from 'node:path';
import { createClient } from '@libsql/client';
import WebSocket from 'ws';

export type SeedRow = {
	request_id: string;
	timestamp: number;
	user_id: string | null;
	user_email: string | null;
	model: string;
	endpoint?: string;
	status: 'success' | 'error' | 'timeout' | 'cancelled';
	duration_ms: number;
	ttft_ms?: number | null;
	prompt_tokens?: number;
	completion_tokens?: number;
	error_type?: string | null;
	error_message?: string | null;
};

/** Inserts rows into a running server's database (WAL lets both write). */
export async function seedAuditRows(dataDir: string, rows: SeedRow[]): Promise<void> {
	const client = createClient({ url: `file:${path.join(dataDir, 'llm-manager.db')}` });
	await client.execute('PRAGMA busy_timeout = 5000');
	const statements = rows.map((r) => ({
		sql: `INSERT INTO audit_logs (request_id, timestamp, user_id, user_email, api_key_id, model, endpoint, backend_type,
			status, duration_ms, ttft_ms, prompt_tokens, completion_tokens, total_tokens, error_type, error_message)
			VALUES (?, ?, ?, ?, NULL, ?, ?, 'local', ?, ?, ?, ?, ?, ?, ?, ?)`,
		args: [
			r.request_id,
			r.timestamp,
			r.user_id,
			r.user_email,
			r.model,
			r.endpoint ?? '/v1/chat/completions',
			r.status,
			r.duration_ms,
			r.ttft_ms ?? null,
			r.prompt_tokens ?? 0,
			r.completion_tokens ?? 0,
			(r.prompt_tokens ?? 0) + (r.completion_tokens ?? 0),
			r.error_type ?? null,
			r.error_message ?? null
		]
	}));
	await client.batch(statements, 'write');
	client.close();
}

export type Collected = {
	ws: WebSocket;
	messages: { type: string; data?: any }[];
	logs: () => any[];
	closed: Promise<{ code: number; reason: string }>;
	waitFor: (pred: () => boolean, timeoutMs?: number) => Promise<void>;
};

/** Opens the audit socket and collects what the server sends. */
export function openAuditSocket(baseUrl: string, auth: { cookie?: string; token?: string } = {}): Collected {
	const url = new URL('/api/system/ws/audit-logs', baseUrl.replace(/^http/, 'ws'));
	if (auth.token) url.searchParams.set('token', auth.token);
	const ws = new WebSocket(url, { headers: auth.cookie ? { cookie: auth.cookie } : {} });
	const messages: { type: string; data?: any }[] = [];
	ws.on('message', (data) => messages.push(JSON.parse(String(data))));
	ws.on('error', () => {});
	const closed = new Promise<{ code: number; reason: string }>((resolve) =>
		ws.on('close', (code, reason) => resolve({ code, reason: String(reason) }))
	);
	return {
		ws,
		messages,
		closed,
		logs: () => messages.filter((m) => m.type === 'log').map((m) => m.data),
		waitFor: async (pred, timeoutMs = 10_000) => {
			const deadline = Date.now() + timeoutMs;
			while (!pred()) {
				if (Date.now() > deadline) throw new Error(`timed out; got ${messages.length} messages`);
				await new Promise((r) => setTimeout(r, 20));
			}
		}
	};
}
