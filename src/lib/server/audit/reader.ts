import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Client } from '@libsql/client';
import { getConfig } from '../config';
import { getDb } from '../db';
import { singleton } from '../http/singleton';
import { log } from '../log';

/** A built query: what drizzle's `.toSQL()` returns. */
export type BuiltQuery = { sql: string; params: unknown[] };
type Value = string | number | null;

/**
 * The worker's code (CommonJS, evaluated): its own connection to the database file, answering
 * `{id, sql, params}` with `{id, rows}` (rows as arrays, in select order) or `{id, error}`.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createClient } = require(workerData.clientPath);
const client = createClient({ url: workerData.url });
const ready = client.execute('PRAGMA busy_timeout = 5000');
parentPort.on('message', async ({ id, sql, params }) => {
	try {
		await ready;
		const rs = await client.execute({ sql, args: params });
		parentPort.postMessage({ id, rows: rs.rows.map((row) => Array.from(row)) });
	} catch (err) {
		parentPort.postMessage({ id, error: String(err && err.message || err) });
	}
});
`;

type Pending = { resolve: (rows: Value[][]) => void; reject: (err: Error) => void };

/**
 * Runs long read-only aggregate queries (stats over up to millions of rows) on a worker thread:
 * the embedded libSQL driver executes on the calling thread, and a full scan would otherwise hold
 * the event loop that streams tokens and socket messages. Remote databases (libsql://, http://)
 * are queried directly: their driver does not block.
 */
export class AuditReader {
	#worker: Worker | null = null;
	readonly #pending = new Map<number, Pending>();
	#nextId = 1;

	async rows(query: BuiltQuery): Promise<Value[][]> {
		const url = getConfig().databaseUrl;
		if (!url.startsWith('file:')) return this.#direct(query);
		const worker = this.#ensureWorker(url);
		const id = this.#nextId++;
		return new Promise((resolve, reject) => {
			this.#pending.set(id, { resolve, reject });
			worker.postMessage({ id, sql: query.sql, params: query.params });
		});
	}

	async close(): Promise<void> {
		const worker = this.#worker;
		this.#worker = null;
		if (worker) await worker.terminate();
	}

	async #direct(query: BuiltQuery): Promise<Value[][]> {
		const client = (getDb() as unknown as { $client: Client }).$client;
		const rs = await client.execute({ sql: query.sql, args: query.params as Value[] });
		return rs.rows.map((row) => Array.from(row) as Value[]);
	}

	#ensureWorker(url: string): Worker {
		if (this.#worker) return this.#worker;
		const clientPath = createRequire(import.meta.url).resolve('@libsql/client');
		const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { url, clientPath } });
		worker.unref();
		worker.on('message', (msg: { id: number; rows?: Value[][]; error?: string }) => {
			const pending = this.#pending.get(msg.id);
			this.#pending.delete(msg.id);
			if (msg.error !== undefined) pending?.reject(new Error(msg.error));
			else pending?.resolve(msg.rows ?? []);
		});
		const fail = (err: Error) => {
			log.error('audit reader stopped', { error: String(err) });
			if (this.#worker === worker) this.#worker = null;
			for (const p of this.#pending.values()) p.reject(err);
			this.#pending.clear();
		};
		worker.on('error', fail);
		worker.on('exit', (code) => code !== 0 && fail(new Error(`audit reader exited with ${code}`)));
		this.#worker = worker;
		return worker;
	}
}

export function getAuditReader(): AuditReader {
	return singleton('audit-reader', () => new AuditReader());
}
