import { describe, expect, it } from 'vitest';
import type { schema } from '../db';
import { AuditRecorder, toRow, type AuditRecordInput } from './record';
import { callerFor } from './testing';

function input(n: number, overrides: Partial<AuditRecordInput> = {}): AuditRecordInput {
	return {
		requestId: `req-${n}`,
		startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
		caller: callerFor('alice'),
		model: 'test/tiny',
		endpoint: '/v1/chat/completions',
		status: 'success',
		durationMs: 12.6,
		ttftMs: 3.2,
		promptTokens: 5,
		completionTokens: 7,
		...overrides
	};
}

/** A fake store that records each batch and gives ids like the database would. */
function fakeStore() {
	const batches: schema.NewAuditLog[][] = [];
	let id = 0;
	const write = async (rows: schema.NewAuditLog[]) => {
		batches.push(rows);
		await new Promise((r) => setTimeout(r, 1));
		return rows.map((r) => ({ ...r, id: ++id }) as schema.AuditLog);
	};
	return { batches, write };
}

describe('toRow', () => {
	it('keeps metadata only, rounds durations, totals tokens and trims the error message', () => {
		const row = toRow(input(1, { status: 'error', errorType: 'x', errorMessage: 'e'.repeat(900) }));
		expect(row).toMatchObject({
			requestId: 'req-1',
			userId: 'alice',
			userEmail: 'alice@example.com',
			apiKeyId: null,
			durationMs: 13,
			ttftMs: 3,
			promptTokens: 5,
			completionTokens: 7,
			totalTokens: 12,
			backendType: 'local',
			backend: null,
			status: 'error'
		});
		expect(row.errorMessage).toHaveLength(500);
	});

	it('turns missing or invalid counts into 0 and a missing ttft into null', () => {
		const row = toRow(input(2, { promptTokens: undefined, completionTokens: NaN, durationMs: -5, ttftMs: null, caller: null }));
		expect(row).toMatchObject({ promptTokens: 0, completionTokens: 0, totalTokens: 0, durationMs: 0, ttftMs: null, userId: null });
	});
});

describe('AuditRecorder', () => {
	it('never writes on the caller’s stack and batches rows in recording order', async () => {
		const store = fakeStore();
		const recorder = new AuditRecorder({ write: store.write, batchSize: 500, flushDelayMs: 5 });
		const written: schema.AuditLog[] = [];
		recorder.onWritten((rows) => written.push(...rows));
		for (let i = 0; i < 1200; i++) recorder.record(input(i));
		expect(store.batches).toHaveLength(0);
		expect(recorder.queued).toBe(1200);
		await recorder.flush();
		expect(store.batches.map((b) => b.length)).toEqual([500, 500, 200]);
		expect(written.map((r) => r.requestId)).toEqual(Array.from({ length: 1200 }, (_, i) => `req-${i}`));
		expect(recorder.queued).toBe(0);
	});

	it('writes by itself a few ms after a row is recorded', async () => {
		const store = fakeStore();
		const recorder = new AuditRecorder({ write: store.write, flushDelayMs: 5 });
		recorder.record(input(1));
		await new Promise((r) => setTimeout(r, 50));
		expect(store.batches).toHaveLength(1);
	});

	it('flush waits for rows recorded while a write is in flight', async () => {
		const store = fakeStore();
		const recorder = new AuditRecorder({ write: store.write, flushDelayMs: 1 });
		recorder.record(input(1));
		const first = recorder.flush();
		recorder.record(input(2));
		await first;
		await recorder.flush();
		expect(store.batches.flat().map((r) => r.requestId)).toEqual(['req-1', 'req-2']);
	});

	it('keeps the rows of a failed write, in order, writes them once the database accepts writes, and bounds its queue', async () => {
		let calls = 0;
		const recorder = new AuditRecorder({
			maxQueued: 3,
			retryMs: 5,
			write: async (rows) => {
				if (calls++ === 0) throw new Error('disk full');
				return rows.map((r, i) => ({ ...r, id: i }) as schema.AuditLog);
			}
		});
		const written: string[] = [];
		recorder.onWritten((rows) => written.push(...rows.map((r) => r.requestId)));
		for (let i = 0; i < 5; i++) recorder.record(input(i));
		expect(recorder.dropped).toBe(2);
		await recorder.flush(); // fails once: the rows stay queued
		expect(recorder.backlog()).toMatchObject({ behind: true, queued: 3, dropped: 2, error: 'Error: disk full' });
		recorder.record(input(9));
		expect(recorder.dropped).toBe(3); // still bounded
		await recorder.flush();
		expect(written).toEqual(['req-0', 'req-1', 'req-2']);
		expect(recorder.backlog()).toMatchObject({ behind: false, queued: 0, since: null });
	});
});
