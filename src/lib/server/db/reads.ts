/**
 * The lookups every request makes (its session or API key, the profile its model names) on a second
 * connection to an embedded database, each statement prepared once. The libSQL client prepares every
 * statement again and builds its rows anew, about 0.3 ms a lookup on the event loop; a statement
 * prepared once answers in a few microseconds. The connection only reads (`query_only`) and sees
 * every committed write at once (WAL). With a remote database, the lookups use the main connection.
 */
import { createRequire } from 'node:module';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import { drizzle } from 'drizzle-orm/sqlite-proxy';
import type LibsqlDatabase from 'libsql';
import { building } from '$app/environment';
import { getConfig } from '../config';
import { singleton } from '../http/singleton';
import { DRIZZLE_CONFIG, READS_KEY, getDb, type schema } from './index';

export type ReadDatabase = BaseSQLiteDatabase<'async', unknown, typeof schema>;

type Statement = ReturnType<LibsqlDatabase.Database['prepare']>;
type Reads = { db: ReadDatabase; close: () => void };

/** The file of an embedded database URL (`file:<path>`, no options), else null. */
export function embeddedPath(url: string): string | null {
	const match = /^file:([^?#]+)$/.exec(url);
	return match && match[1] !== ':memory:' ? match[1] : null;
}

function open(): Reads {
	const file = building ? null : embeddedPath(getConfig().databaseUrl);
	if (!file) return { db: getDb() as unknown as ReadDatabase, close: () => {} };
	// `libsql` is the engine under the client; required (CommonJS) here so the build leaves it external.
	const Database = createRequire(import.meta.url)('libsql') as typeof LibsqlDatabase;
	const native = new Database(file);
	native.exec('PRAGMA busy_timeout = 5000');
	native.exec('PRAGMA query_only = ON');
	const statements = new Map<string, Statement>();
	const prepared = (sql: string) => {
		let statement = statements.get(sql);
		if (!statement) statements.set(sql, (statement = native.prepare(sql).raw(true)));
		return statement;
	};
	const run = async (sql: string, params: unknown[], method: 'run' | 'all' | 'values' | 'get') => {
		const statement = prepared(sql);
		if (method === 'get') return { rows: statement.get(params) as unknown[] };
		if (method === 'run') throw new Error('the read connection does not write');
		return { rows: statement.all(params) as unknown[] };
	};
	// The batch callback is passed only so that drizzle reads the third argument (schema, casing).
	const batch = (queries: { sql: string; params: unknown[]; method: 'run' | 'all' | 'values' | 'get' }[]) =>
		Promise.all(queries.map((q) => run(q.sql, q.params, q.method)));
	const db = drizzle(run, batch, DRIZZLE_CONFIG) as unknown as ReadDatabase;
	return { db, close: () => native.close() };
}

/** The database for the per-request lookups. */
export function getReadDb(): ReadDatabase {
	return singleton(READS_KEY, open).db;
}

/** A query built and prepared once per read connection: `build` ends with `.prepare()`. */
export function preparedRead<Q>(build: (db: ReadDatabase) => Q): () => Q {
	const byDb = new WeakMap<ReadDatabase, Q>();
	return () => {
		const db = getReadDb();
		let query = byDb.get(db);
		if (!query) byDb.set(db, (query = build(db)));
		return query;
	};
}
