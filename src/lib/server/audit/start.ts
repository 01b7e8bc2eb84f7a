import { getConfig } from '../config';
import { onShutdown } from '../lifecycle';
import { getRealtimeHub } from '../realtime/hub';
import { startLiveFeed } from './live';
import { getAuditReader } from './reader';
import { getAuditRecorder } from './record';
import { startRetention } from './retention';

/**
 * Start-up step of the audit domain: live feed, retention job, and a shutdown step that flushes every
 * queued row. Register it before the pool so that, in reverse order, the pool stops (and records its
 * last requests) before this flush, and this flush runs before the database closes.
 */
export function startAudit(): void {
	const recorder = getAuditRecorder();
	const stopFeed = startLiveFeed(recorder, getRealtimeHub());
	const stopRetention = startRetention(getConfig().auditRetentionDays);
	onShutdown('audit', async () => {
		stopFeed();
		await stopRetention();
		await recorder.flush();
		await getAuditReader().close();
	});
}
