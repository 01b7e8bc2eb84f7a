import { randomUUID } from 'node:crypto';
import { and, count, desc, eq } from 'drizzle-orm';
import { getDb, schema } from '../db';
import { BadRequestError, ConflictError, NotFoundError } from '../http/errors';
import { hashPassword } from './password';
import { invalidateUserSessions } from './session';
import type { UserPublic, UserStatus } from './types';
import { revokeUserApiKeys } from './api-keys';
import { notifyUserChanged, notifyUserEnded } from './events';

type UserRow = typeof schema.users.$inferSelect;

export function toUserPublic(user: UserRow): UserPublic {
	return {
		id: user.id,
		email: user.email,
		is_admin: user.isAdmin,
		status: user.status,
		created_at: user.createdAt.toISOString(),
		approved_at: user.approvedAt ? user.approvedAt.toISOString() : null
	};
}

export async function findUserByEmail(email: string): Promise<UserRow | undefined> {
	return getDb().query.users.findFirst({ where: eq(schema.users.email, email.toLowerCase()) });
}

export async function findUser(id: string): Promise<UserRow | undefined> {
	return getDb().query.users.findFirst({ where: eq(schema.users.id, id) });
}

async function getUser(id: string): Promise<UserRow> {
	const user = await findUser(id);
	if (!user) throw new NotFoundError('User not found', 'user_not_found');
	return user;
}

/** The first user becomes an approved admin; everyone after starts pending. */
export async function registerUser(email: string, password: string): Promise<UserRow> {
	const db = getDb();
	const passwordHash = await hashPassword(password);
	const normalized = email.toLowerCase();
	// One transaction so two simultaneous first registrations cannot both become admin.
	return db.transaction(async (tx) => {
		const existing = await tx.query.users.findFirst({ where: eq(schema.users.email, normalized) });
		if (existing) throw new ConflictError('Email already registered', 'email_taken');
		const [{ n }] = await tx.select({ n: count() }).from(schema.users);
		const first = n === 0;
		const now = new Date();
		const [user] = await tx
			.insert(schema.users)
			.values({
				id: randomUUID(),
				email: normalized,
				passwordHash,
				isAdmin: first,
				status: first ? 'approved' : 'pending',
				createdAt: now,
				approvedAt: first ? now : null
			})
			.returning();
		return user;
	});
}

export async function listUsers(): Promise<UserRow[]> {
	return getDb().select().from(schema.users).orderBy(desc(schema.users.createdAt), desc(schema.users.id));
}

/** True until the first account exists (that account becomes the administrator). */
export async function noUsersYet(): Promise<boolean> {
	const [{ n }] = await getDb().select({ n: count() }).from(schema.users);
	return n === 0;
}

export async function countPendingUsers(): Promise<number> {
	const [{ n }] = await getDb()
		.select({ n: count() })
		.from(schema.users)
		.where(eq(schema.users.status, 'pending'));
	return n;
}

type Tx = Parameters<Parameters<ReturnType<typeof getDb>['transaction']>[0]>[0];

async function countActiveAdmins(tx: Tx): Promise<number> {
	const [{ n }] = await tx
		.select({ n: count() })
		.from(schema.users)
		.where(and(eq(schema.users.isAdmin, true), eq(schema.users.status, 'approved')));
	return n;
}

async function getUserIn(tx: Tx, id: string): Promise<UserRow> {
	const user = await tx.query.users.findFirst({ where: eq(schema.users.id, id) });
	if (!user) throw new NotFoundError('User not found', 'user_not_found');
	return user;
}

function isActiveAdmin(user: UserRow): boolean {
	return user.isAdmin && user.status === 'approved';
}

export type UserChanges = { email?: string; is_admin?: boolean; status?: UserStatus };

/**
 * Applies an admin's partial update; the last active admin can never lose that role. The check and
 * the write are one (write-locking) transaction, so two admins demoting each other at once cannot
 * both pass it, on a remote libSQL server too.
 */
export async function updateUser(id: string, update: UserChanges, actorId: string): Promise<UserRow> {
	const { before, after } = await getDb().transaction(async (tx) => {
		const user = await getUserIn(tx, id);
		const losesAdmin =
			isActiveAdmin(user) &&
			(update.is_admin === false || (update.status !== undefined && update.status !== 'approved'));
		if (losesAdmin && (await countActiveAdmins(tx)) <= 1) {
			throw new BadRequestError('The last admin cannot be demoted or disabled', 'last_admin');
		}
		const changes: Partial<UserRow> = {};
		if (update.email !== undefined && update.email.toLowerCase() !== user.email) {
			const email = update.email.toLowerCase();
			if (await tx.query.users.findFirst({ where: eq(schema.users.email, email) })) {
				throw new ConflictError('Email already registered', 'email_taken');
			}
			changes.email = email;
		}
		if (update.is_admin !== undefined) changes.isAdmin = update.is_admin;
		if (update.status !== undefined) {
			changes.status = update.status;
			if (update.status === 'approved' && !user.approvedAt) {
				changes.approvedAt = new Date();
				changes.approvedBy = actorId;
			}
		}
		if (Object.keys(changes).length === 0) return { before: user, after: user };
		const [updated] = await tx.update(schema.users).set(changes).where(eq(schema.users.id, id)).returning();
		return { before: user, after: updated };
	});
	if (after === before) return after;
	if (update.status === 'disabled' || update.status === 'pending') await endAccess(id);
	else if (after.isAdmin !== before.isAdmin) notifyUserChanged(id);
	return after;
}

/** Deletes a user and everything that lets them in (the last-admin check in the same transaction). */
export async function deleteUser(id: string): Promise<void> {
	await getDb().transaction(async (tx) => {
		const user = await getUserIn(tx, id);
		if (isActiveAdmin(user) && (await countActiveAdmins(tx)) <= 1) {
			throw new BadRequestError('The last admin cannot be deleted', 'last_admin');
		}
		await tx.delete(schema.users).where(eq(schema.users.id, id));
	});
	await endAccess(id);
}

export async function resetPassword(id: string, password: string): Promise<void> {
	await getUser(id);
	const passwordHash = await hashPassword(password);
	await getDb().update(schema.users).set({ passwordHash }).where(eq(schema.users.id, id));
	// A reset is usually a response to a leak: every existing login ends.
	await invalidateUserSessions(id);
	notifyUserEnded(id);
}

async function endAccess(userId: string): Promise<void> {
	await invalidateUserSessions(userId);
	await revokeUserApiKeys(userId);
	notifyUserEnded(userId);
}
