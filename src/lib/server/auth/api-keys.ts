import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import { getDb, schema } from '../db';
import { preparedRead } from '../db/reads';
import { NotFoundError } from '../http/errors';

export const API_KEY_PREFIX = 'llm_';

export function hashApiKey(key: string): string {
	return createHash('sha256').update(key).digest('hex');
}

export type ApiKeyPublic = {
	id: string;
	name: string;
	prefix: string;
	user_id: string;
	user_email?: string;
	allowed_models: string[] | null;
	created_at: string;
	last_used_at: string | null;
};

type Row = typeof schema.apiKeys.$inferSelect;

function toPublic(row: Row, email?: string): ApiKeyPublic {
	return {
		id: row.id,
		name: row.name,
		prefix: row.prefix,
		user_id: row.userId,
		...(email !== undefined ? { user_email: email } : {}),
		allowed_models: row.allowedModels ?? null,
		created_at: row.createdAt.toISOString(),
		last_used_at: row.lastUsedAt ? row.lastUsedAt.toISOString() : null
	};
}

/** Creates a key; the plain key is returned only here and never stored. */
export async function createApiKey(
	userId: string,
	name: string,
	allowedModels: string[] | null
): Promise<ApiKeyPublic & { key: string }> {
	const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
	const [row] = await getDb()
		.insert(schema.apiKeys)
		.values({
			id: randomUUID(),
			userId,
			name,
			prefix: key.slice(0, API_KEY_PREFIX.length + 6),
			keyHash: hashApiKey(key),
			allowedModels,
			createdAt: new Date()
		})
		.returning();
	return { ...toPublic(row), key };
}

/** A user's own keys, or every key for an admin. */
export async function listApiKeys(userId: string, all: boolean): Promise<ApiKeyPublic[]> {
	const rows = await getDb()
		.select({ key: schema.apiKeys, email: schema.users.email })
		.from(schema.apiKeys)
		.innerJoin(schema.users, eq(schema.users.id, schema.apiKeys.userId))
		.where(all ? undefined : eq(schema.apiKeys.userId, userId))
		.orderBy(desc(schema.apiKeys.createdAt));
	return rows.map((r) => toPublic(r.key, r.email));
}

/** Revokes a key the caller owns (any key for an admin). Someone else's key is "not found". */
export async function revokeApiKey(id: string, userId: string, isAdmin: boolean): Promise<void> {
	const where = isAdmin
		? eq(schema.apiKeys.id, id)
		: and(eq(schema.apiKeys.id, id), eq(schema.apiKeys.userId, userId));
	const deleted = await getDb().delete(schema.apiKeys).where(where).returning({ id: schema.apiKeys.id });
	if (deleted.length === 0) throw new NotFoundError('API key not found', 'api_key_not_found');
}

export async function revokeUserApiKeys(userId: string): Promise<void> {
	await getDb().delete(schema.apiKeys).where(eq(schema.apiKeys.userId, userId));
}

const byHash = preparedRead((db) =>
	db
		.select({ key: schema.apiKeys, user: schema.users })
		.from(schema.apiKeys)
		.innerJoin(schema.users, eq(schema.users.id, schema.apiKeys.userId))
		.where(eq(schema.apiKeys.keyHash, sql.placeholder('hash')))
		.limit(1)
		.prepare()
);

/** The key's row and its user, when the key exists. */
export async function findApiKey(key: string) {
	return byHash().get({ hash: hashApiKey(key) });
}

const LAST_USED_RESOLUTION_MS = 60_000;

/** Records use, at most once a minute per key so hot keys do not write on every request. */
export function touchApiKey(id: string, lastUsedAt: Date | null): void {
	const now = new Date();
	if (lastUsedAt && now.getTime() - lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
	getDb()
		.update(schema.apiKeys)
		.set({ lastUsedAt: now })
		.where(eq(schema.apiKeys.id, id))
		.catch(() => {});
}
