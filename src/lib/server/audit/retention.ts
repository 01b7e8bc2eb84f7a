import { lt, sql } from 'drizzle-orm';
import { getDb, schema } from '../db';
import { log } from '../log';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

export type RetentionOptions = {
	/** Rows per DELETE, small so that writers never wait long. Defaults to 1,000. */
	batchSize?: number;
	/** Deletes up to `limit` rows older than `cutoff`; returns how many. Defaults to the database. */
	deleteBatch?: (cutoff: Date, limit: number) => Promise<number>;
};

async function deleteOlderThan(cutoff: Date, limit: number): Promise<number> {
	const t = schema.auditLogs;
	const result = await getDb().run(
		sql`DELETE FROM ${t} WHERE ${t.id} IN (SELECT ${t.id} FROM ${t} WHERE ${lt(t.timestamp, cutoff)} LIMIT ${limit})`
	);
	return result.rowsAffected;
}

/** Deletes every row older than `days` in small batches, yielding between them. Returns the count. */
export async function purgeAuditLogs(days: number, options: RetentionOptions = {}, now = new Date()): Promise<number> {
	const batchSize = options.batchSize ?? 1000;
	const deleteBatch = options.deleteBatch ?? deleteOlderThan;
	const cutoff = new Date(now.getTime() - days * DAY_MS);
	let total = 0;
	for (;;) {
		const deleted = await deleteBatch(cutoff, batchSize);
		total += deleted;
		if (deleted < batchSize) return total;
		await new Promise((resolve) => setImmediate(resolve));
	}
}

/** Runs the purge now and then every hour; returns the function that stops it. */
export function startRetention(days: number, options: RetentionOptions = {}): () => Promise<void> {
	let running: Promise<void> = Promise.resolve();
	const run = () => {
		running = running.then(async () => {
			try {
				const deleted = await purgeAuditLogs(days, options);
				if (deleted > 0) log.info('audit retention', { deleted, retention_days: days });
			} catch (err) {
				log.error('audit retention failed', { error: String(err) });
			}
		});
	};
	run();
	const timer = setInterval(run, HOUR_MS);
	timer.unref();
	return async () => {
		clearInterval(timer);
		await running;
	};
}
