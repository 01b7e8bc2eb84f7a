/** Helpers for this domain's unit tests: a fresh database file and callers. Not used by the app. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Caller } from '../auth/types';
import type { schema } from '../db';

export async function useTempDatabase(): Promise<string> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-manager-audit-'));
	process.env.LLM_MANAGER_DATA_DIR = dir;
	process.env.LLM_MANAGER_LOG_LEVEL = 'error';
	const { prepareDatabase } = await import('../db');
	await prepareDatabase();
	return dir;
}

export function callerFor(id: string, isAdmin = false): Caller {
	return {
		user: { id, email: `${id}@example.com`, isAdmin },
		sessionId: `session-${id}`,
		apiKeyId: null,
		allowedModels: null,
		method: 'bearer'
	};
}

let sequence = 0;

/** A stored-row shape with sensible defaults. */
export function fakeRow(overrides: Partial<schema.NewAuditLog> = {}): schema.NewAuditLog {
	sequence++;
	return {
		requestId: `req-${sequence}`,
		timestamp: new Date(Date.UTC(2026, 0, 1) + sequence * 1000),
		userId: 'alice',
		userEmail: 'alice@example.com',
		apiKeyId: null,
		model: 'test/tiny',
		endpoint: '/v1/chat/completions',
		backendType: 'local',
		backend: null,
		status: 'success',
		durationMs: sequence % 1000,
		ttftMs: 5,
		promptTokens: 10,
		completionTokens: 20,
		totalTokens: 30,
		errorType: null,
		errorMessage: null,
		...overrides
	};
}
