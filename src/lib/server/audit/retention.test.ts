import { count } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb, schema } from '../db';
import { purgeAuditLogs } from './retention';
import { fakeRow, useTempDatabase } from './testing';

const DAY = 86_400_000;

describe('audit retention', () => {
	it('deletes in small batches until a batch comes back short', async () => {
		const calls: { cutoff: Date; limit: number }[] = [];
		let left = 2500;
		const now = new Date('2026-03-01T00:00:00Z');
		const deleted = await purgeAuditLogs(
			30,
			{
				batchSize: 1000,
				deleteBatch: async (cutoff, limit) => {
					calls.push({ cutoff, limit });
					const n = Math.min(left, limit);
					left -= n;
					return n;
				}
			},
			now
		);
		expect(deleted).toBe(2500);
		expect(calls.map((c) => c.limit)).toEqual([1000, 1000, 1000]);
		expect(calls[0].cutoff.toISOString()).toBe('2026-01-30T00:00:00.000Z');
	});

	it('removes only rows older than the retention from the database', async () => {
		await useTempDatabase();
		const now = Date.now();
		const rows = [
			...Array.from({ length: 30 }, () => fakeRow({ timestamp: new Date(now - 40 * DAY) })),
			...Array.from({ length: 5 }, () => fakeRow({ timestamp: new Date(now - 29 * DAY) })),
			fakeRow({ timestamp: new Date(now) })
		];
		await getDb().insert(schema.auditLogs).values(rows);
		expect(await purgeAuditLogs(30, { batchSize: 7 })).toBe(30);
		const [{ n }] = await getDb().select({ n: count() }).from(schema.auditLogs);
		expect(n).toBe(6);
		expect(await purgeAuditLogs(30, { batchSize: 7 })).toBe(0);
	});
});
