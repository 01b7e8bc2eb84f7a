import { getConfig } from '../config';
import { singleton } from '../http/singleton';
import { onShutdown } from '../lifecycle';
import { memoryLimitBytes } from '../system/memory-limit';
import { DownloadManager } from './manager';

export { DownloadManager, type Actor } from './manager';
export * from './schemas';
export * from './state';
export { Task } from './task';
export { totalsByStatus as downloadTotals } from './store';
export { wasDownloadedBy } from './store';

/** The process-wide download manager. */
export function getDownloadManager(): DownloadManager {
	return singleton('download-manager', () => {
		const config = getConfig();
		return new DownloadManager({
			modelsDir: config.modelsDir,
			maxConcurrent: config.maxConcurrentDownloads,
			stallMs: config.downloadStallMs,
			connections: config.downloadConnections,
			limitBytes: () => memoryLimitBytes()
		});
	});
}

/** Start-up step: resume interrupted downloads; stop transfers cleanly at shutdown. */
export async function startDownloads(): Promise<void> {
	const manager = getDownloadManager();
	onShutdown('downloads', () => manager.shutdown());
	await manager.recover();
}
export { progressStream } from './progress';
