import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The read connection over a real embedded database in a temporary directory.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-manager-reads-'));
process.env.LLM_MANAGER_DATA_DIR = dataDir;
process.env.LLM_MANAGER_JWT_SECRET = 'unit-test-secret-that-is-long-enough-0123456789';
process.env.LLM_MANAGER_MIGRATIONS_DIR = path.resolve('drizzle');

const db = await import('./index');
const { embeddedPath, getReadDb, preparedRead } = await import('./reads');
const { users } = db.schema;

const byEmail = preparedRead((r) => r.select().from(users).where(eq(users.email, sql.placeholder('email'))).prepare());

beforeAll(() => db.prepareDatabase());
afterAll(() => {
	db.closeDatabase();
	fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the read connection', () => {
	it('is used only for a plain embedded file', () => {
		expect(embeddedPath('file:/data/llm-manager.db')).toBe('/data/llm-manager.db');
		expect(embeddedPath('file::memory:')).toBeNull();
		expect(embeddedPath('file:/data/db?mode=ro')).toBeNull();
		expect(embeddedPath('libsql://db.example.com')).toBeNull();
		expect(getReadDb()).not.toBe(db.getDb());
	});

	it('sees every committed write at once, mapped like the main connection', async () => {
		const email = 'reader@example.com';
		expect(await byEmail().get({ email })).toBeUndefined();
		const [created] = await db
			.getDb()
			.insert(users)
			.values({ id: 'u-reads', email, passwordHash: 'x', isAdmin: true, status: 'pending' })
			.returning();
		expect(await byEmail().get({ email })).toEqual(created);
		await db.getDb().update(users).set({ status: 'approved' }).where(eq(users.id, 'u-reads'));
		expect(await byEmail().get({ email })).toMatchObject({ status: 'approved', isAdmin: true });
		await db.getDb().delete(users).where(eq(users.id, 'u-reads'));
		expect(await byEmail().get({ email })).toBeUndefined();
	});

	it('refuses to write', async () => {
		await expect(getReadDb().run(sql`delete from users`)).rejects.toThrow();
		await expect(
			getReadDb().all(sql`insert into users (id, email, password_hash) values ('w', 'w@example.com', 'x') returning id`)
		).rejects.toSatisfy((err: Error) => /readonly|read-only|query_only|attempt to write/i.test(String((err as { cause?: unknown }).cause ?? err)));
	});
});
