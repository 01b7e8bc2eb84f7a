import fs from 'node:fs';
import path from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import { building } from '$app/environment';
import { getConfig } from '../config';
import { existingSingleton, resetSingleton, singleton } from '../http/singleton';
import { log } from '../log';
import * as schema from './schema';

export { schema };
export type Database = LibSQLDatabase<typeof schema>;

type Handle = { client: Client; db: Database };

/** How drizzle maps the schema, on the main connection and on the read connection (`reads.ts`). */
export const DRIZZLE_CONFIG = { schema, casing: 'snake_case' } as const;
/** The read connection's process-wide key: `closeDatabase` closes it too. */
export const READS_KEY = 'db-reads';

function openDatabase(): Handle {
	// `vite build` imports server modules to analyse them: never create files then.
	const config = building ? null : getConfig();
	const url = config ? config.databaseUrl : ':memory:';
	if (url.startsWith('file:')) fs.mkdirSync(path.dirname(url.slice('file:'.length)), { recursive: true });
	const client = createClient({ url, authToken: config?.databaseAuthToken });
	const db = drizzle(client, DRIZZLE_CONFIG);
	return { client, db };
}

function handle(): Handle {
	return singleton('db', openDatabase);
}

/** The process-wide drizzle database. Only `$lib/server/*` modules use it. */
export function getDb(): Database {
	return handle().db;
}

/** Tunes an embedded database and applies the committed migrations. Idempotent. */
export async function prepareDatabase(): Promise<void> {
	const { client, db } = handle();
	const config = getConfig();
	if (config.databaseUrl.startsWith('file:')) {
		// WAL lets readers (audit page, downloads list) proceed while a writer commits.
		await client.execute('PRAGMA journal_mode = WAL');
		await client.execute('PRAGMA busy_timeout = 5000');
		await client.execute('PRAGMA synchronous = NORMAL');
	}
	await client.execute('PRAGMA foreign_keys = ON');
	const migrationsFolder = process.env.LLM_MANAGER_MIGRATIONS_DIR ?? path.resolve('drizzle');
	await migrate(db, { migrationsFolder });
	log.info('database ready', { url: redactUrl(config.databaseUrl) });
}

export function closeDatabase(): void {
	existingSingleton<{ close: () => void }>(READS_KEY)?.close();
	resetSingleton(READS_KEY);
	handle().client.close();
}

function redactUrl(url: string): string {
	return url.replace(/\?.*$/, '');
}
