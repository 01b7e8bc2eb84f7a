/** The `downloads` table: the durable state of every download (the manager's memory is a cache). */
import { and, count, desc, eq, inArray, sql } from 'drizzle-orm';
import { getDb, schema } from '../db';
import type { DownloadStatus } from './state';

export type DownloadRow = typeof schema.downloads.$inferSelect;
export type NewDownloadRow = typeof schema.downloads.$inferInsert;

const t = schema.downloads;

export async function insertDownload(row: NewDownloadRow): Promise<void> {
	await getDb().insert(t).values(row);
}

export async function updateDownload(
	id: string,
	values: Partial<Pick<DownloadRow, 'status' | 'downloadedBytes' | 'totalBytes' | 'error' | 'completedAt'>>
): Promise<void> {
	await getDb()
		.update(t)
		.set({ ...values, updatedAt: new Date() })
		.where(eq(t.id, id));
}

export async function findByTask(taskId: string): Promise<DownloadRow | undefined> {
	return (await getDb().select().from(t).where(eq(t.taskId, taskId)).limit(1))[0];
}

export async function findById(id: string): Promise<DownloadRow | undefined> {
	return (await getDb().select().from(t).where(eq(t.id, id)).limit(1))[0];
}

export async function findByStatus(statuses: DownloadStatus[]): Promise<DownloadRow[]> {
	return getDb().select().from(t).where(inArray(t.status, statuses)).orderBy(t.createdAt);
}

export async function findActiveForModel(modelId: string): Promise<DownloadRow | undefined> {
	const rows = await getDb()
		.select()
		.from(t)
		.where(and(eq(t.modelId, modelId), inArray(t.status, ['pending', 'downloading', 'paused'])))
		.orderBy(desc(t.createdAt))
		.limit(1);
	return rows[0];
}

/** Downloads and their received bytes (as last persisted, at most a few seconds behind) per status. */
export async function totalsByStatus(): Promise<{ status: DownloadStatus; count: number; bytes: number }[]> {
	return getDb()
		.select({ status: t.status, count: count(), bytes: sql<number>`coalesce(sum(${t.downloadedBytes}), 0)` })
		.from(t)
		.groupBy(t.status);
}

/** Whether `userId` downloaded `modelId` to completion (they may delete it, as may an admin). */
export async function wasDownloadedBy(modelId: string, userId: string): Promise<boolean> {
	const rows = await getDb()
		.select({ id: t.id })
		.from(t)
		.where(and(eq(t.modelId, modelId), eq(t.userId, userId), eq(t.status, 'completed')))
		.limit(1);
	return rows.length > 0;
}
