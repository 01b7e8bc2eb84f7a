import type { Caller } from '../auth/types';
import type { schema } from '../db';
import { log } from '../log';
import type { RealtimeHub, SocketClient } from '../realtime/hub';
import { onSocketConnect } from '../realtime/upgrade';
import { recentFor } from './query';
import type { AuditRecorder } from './record';
import { toEntry } from './wire';

export const BACKLOG_ROWS = 100;
/** Rows held for a client while its backlog is read; more means it is hopelessly behind. */
const MAX_HELD_ROWS = 10_000;

/** Admins see every row; everyone else only their own. */
export function canSee(caller: Caller, row: Pick<schema.AuditLog, 'userId'>): boolean {
	return caller.user.isAdmin || row.userId === caller.user.id;
}

/**
 * The live feed of `/api/system/ws/audit-logs`: each accepted socket gets its backlog (the last rows
 * it may see, oldest first), then every row as it is committed. Rows written while a backlog is being
 * read are held for that client and sent after it, without duplicates, so the order is never broken.
 */
export function startLiveFeed(recorder: AuditRecorder, hub: RealtimeHub): () => void {
	const held = new Map<number, schema.AuditLog[]>();

	async function sendBacklog(client: SocketClient): Promise<void> {
		held.set(client.id, []);
		try {
			const backlog = await recentFor(client.caller, BACKLOG_ROWS);
			const sent = new Set<number>();
			for (const row of backlog) {
				if (!hub.send(client, { type: 'log', data: toEntry(row) })) return;
				sent.add(row.id);
			}
			for (const row of held.get(client.id) ?? []) {
				if (!sent.has(row.id) && !hub.send(client, { type: 'log', data: toEntry(row) })) return;
			}
		} catch (err) {
			log.error('audit backlog failed', { error: String(err) });
		} finally {
			held.delete(client.id);
		}
	}

	const stopConnect = onSocketConnect((client) => void sendBacklog(client));
	const stopWritten = recorder.onWritten((rows) => {
		for (const row of rows) {
			hub.broadcast({ type: 'log', data: toEntry(row) }, (client) => {
				if (!canSee(client.caller, row)) return false;
				const waiting = held.get(client.id);
				if (!waiting) return true;
				if (waiting.length < MAX_HELD_ROWS) waiting.push(row);
				return false;
			});
		}
	});
	return () => {
		stopConnect();
		stopWritten();
	};
}
