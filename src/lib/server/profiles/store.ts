import { randomUUID } from 'node:crypto';
import { asc, eq, or, sql } from 'drizzle-orm';
import { getDb, schema } from '../db';
import { preparedRead } from '../db/reads';
import { ConflictError, ForbiddenError, NotFoundError } from '../http/errors';
import { checkNames } from './aliases';
import type { CreateProfile, ProfileWire, UpdateProfile } from './schemas';

type Row = schema.Profile;
/** Who asks for a change: the creator of a profile, or an admin, may change it. */
export type ProfileActor = { id: string; isAdmin: boolean };

function assertMayChange(row: Row, actor: ProfileActor): void {
	if (actor.isAdmin || (row.ownerId !== null && row.ownerId === actor.id)) return;
	throw new ForbiddenError('Only the creator of this profile or an admin may change it', 'not_profile_owner');
}

export function toWire(row: Row): ProfileWire {
	return {
		id: row.id,
		name: row.name,
		owner_id: row.ownerId,
		description: row.description,
		model_id: row.modelId,
		context_size: row.contextSize,
		gpu_layers: row.gpuLayers === 'auto' ? 'auto' : Number(row.gpuLayers),
		parallel: row.parallel,
		temperature: row.temperature,
		top_p: row.topP,
		top_k: row.topK,
		min_p: row.minP,
		repeat_penalty: row.repeatPenalty,
		max_tokens: row.maxTokens,
		system_prompt: row.systemPrompt,
		keep_alive: row.keepAlive,
		pinned: row.pinned,
		aliases: row.aliases,
		created_at: row.createdAt.toISOString(),
		updated_at: row.updatedAt.toISOString()
	};
}

function toColumns(p: UpdateProfile): Partial<schema.Profile> {
	const c: Partial<schema.Profile> = {};
	if (p.name !== undefined) c.name = p.name;
	if (p.description !== undefined) c.description = p.description;
	if (p.model_id !== undefined) c.modelId = p.model_id;
	if (p.context_size !== undefined) c.contextSize = p.context_size;
	if (p.gpu_layers !== undefined) c.gpuLayers = String(p.gpu_layers);
	if (p.parallel !== undefined) c.parallel = p.parallel;
	if (p.temperature !== undefined) c.temperature = p.temperature;
	if (p.top_p !== undefined) c.topP = p.top_p;
	if (p.top_k !== undefined) c.topK = p.top_k;
	if (p.min_p !== undefined) c.minP = p.min_p;
	if (p.repeat_penalty !== undefined) c.repeatPenalty = p.repeat_penalty;
	if (p.max_tokens !== undefined) c.maxTokens = p.max_tokens;
	if (p.system_prompt !== undefined) c.systemPrompt = p.system_prompt;
	if (p.keep_alive !== undefined) c.keepAlive = p.keep_alive;
	if (p.pinned !== undefined) c.pinned = p.pinned;
	if (p.aliases !== undefined) c.aliases = [...new Set(p.aliases)];
	return c;
}

function isUniqueViolation(err: unknown): boolean {
	const text = `${String(err)} ${String((err as { cause?: unknown })?.cause ?? '')}`;
	return /UNIQUE constraint failed/i.test(text);
}

async function nameTaken(name: string, exceptId?: string): Promise<boolean> {
	const row = await getDb().query.profiles.findFirst({ where: eq(schema.profiles.name, name) });
	return row !== undefined && row.id !== exceptId;
}

const duplicateName = (name: string) => new ConflictError(`A profile named "${name}" already exists`, 'duplicate_name');

export async function listProfiles(): Promise<Row[]> {
	return getDb().query.profiles.findMany({ orderBy: asc(schema.profiles.name) });
}

export async function findProfile(id: string): Promise<Row | null> {
	return (await getDb().query.profiles.findFirst({ where: eq(schema.profiles.id, id) })) ?? null;
}

export async function findProfileByName(name: string): Promise<Row | null> {
	return (await getDb().query.profiles.findFirst({ where: eq(schema.profiles.name, name) })) ?? null;
}

/** Every `/v1` request asks this, so it is one statement, built once per database. */
const byNameOrAlias = preparedRead((db) => {
	const { profiles } = schema;
	const name = sql.placeholder('name');
	return db
		.select()
		.from(profiles)
		.where(or(eq(profiles.name, name), sql`exists (select 1 from json_each(${profiles.aliases}) where value = ${name})`))
		.orderBy(sql`${profiles.name} = ${name} desc`)
		.limit(1)
		.prepare();
});

/** The profile a `/v1` model name means: by its name, else by one of its aliases. */
export async function findProfileByNameOrAlias(name: string): Promise<Row | null> {
	return ((await byNameOrAlias().get({ name })) as Row | undefined) ?? null;
}

export async function getProfile(id: string): Promise<Row> {
	const row = await findProfile(id);
	if (!row) throw new NotFoundError(`Profile ${id} not found`, 'profile_not_found');
	return row;
}

export async function createProfile(input: CreateProfile, ownerId: string): Promise<Row> {
	if (await nameTaken(input.name)) throw duplicateName(input.name);
	checkNames(await listProfiles(), input.name, input.aliases);
	try {
		const [row] = await getDb()
			.insert(schema.profiles)
			.values({ ...(toColumns(input) as schema.Profile), id: randomUUID(), ownerId })
			.returning();
		return row;
	} catch (err) {
		if (isUniqueViolation(err)) throw duplicateName(input.name);
		throw err;
	}
}

export async function updateProfile(id: string, patch: UpdateProfile, actor: ProfileActor): Promise<Row> {
	const current = await getProfile(id);
	assertMayChange(current, actor);
	if (patch.name !== undefined && (await nameTaken(patch.name, id))) throw duplicateName(patch.name);
	checkNames(await listProfiles(), patch.name ?? current.name, patch.aliases ?? current.aliases, id);
	try {
		const [row] = await getDb()
			.update(schema.profiles)
			.set({ ...toColumns(patch), updatedAt: new Date() })
			.where(eq(schema.profiles.id, id))
			.returning();
		if (!row) throw new NotFoundError(`Profile ${id} not found`, 'profile_not_found');
		return row;
	} catch (err) {
		if (isUniqueViolation(err)) throw duplicateName(patch.name ?? '');
		throw err;
	}
}

export async function deleteProfile(id: string, actor: ProfileActor): Promise<void> {
	assertMayChange(await getProfile(id), actor);
	const deleted = await getDb().delete(schema.profiles).where(eq(schema.profiles.id, id)).returning();
	if (deleted.length === 0) throw new NotFoundError(`Profile ${id} not found`, 'profile_not_found');
}

/**
 * A copy under `newName`, or "<name> (copy)", "<name> (copy 2)", … when none is given; the copy
 * belongs to whoever made it.
 */
export async function duplicateProfile(id: string, ownerId: string, newName?: string): Promise<Row> {
	const source = toWire(await getProfile(id));
	let name = newName;
	if (!name) {
		name = `${source.name} (copy)`;
		for (let n = 2; await nameTaken(name); n++) name = `${source.name} (copy ${n})`;
	}
	const { id: _id, owner_id: _o, created_at: _c, updated_at: _u, ...fields } = source;
	// Aliases name one profile each: the copy starts without them.
	return createProfile({ ...fields, name, aliases: [] }, ownerId);
}
