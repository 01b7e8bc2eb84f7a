import { startAudit } from './audit';
import { configWarnings, getConfig, type Config } from './config';
import { closeDatabase, prepareDatabase } from './db';
import { onShutdown, runShutdown } from './lifecycle';
import { getLlamaInstance } from './llama';
import { log, setLogLevel } from './log';
import { getRealtimeHub } from './realtime/hub';
import { startDownloads } from './downloads';
import { loadHubToken } from './hub/token';
import { startBackends, stopBackendChecks } from './backends';
import { handleUpgrade } from './realtime/upgrade';
import { getPool, startPool } from './pool';
import * as library from './library';
import { setMemoryLimitProvider } from './system/memory-limit';
import { singleton } from './http/singleton';

/** What the custom server (outside the SvelteKit bundle) needs from the app. */
export type ServerBridge = {
	handleUpgrade: typeof handleUpgrade;
	/** Closes every WebSocket (1001) so that the HTTP server can close. */
	closeSockets: () => void;
	shutdown: () => Promise<void>;
};
export const BRIDGE_KEY = Symbol.for('llm-manager.server-bridge');

/**
 * Start-up, run once from the `init` hook: configuration (a bad value stops the process), migrations,
 * then every domain's own start step. Registered shutdown steps run in reverse order.
 */
export function startApp(): Promise<Config> {
	return singleton('app-started', async () => {
		const config = getConfig();
		setLogLevel(config.logLevel);
		for (const warning of configWarnings(config)) log.warn(warning);

		onShutdown('database', () => closeDatabase());
		await prepareDatabase();
		await loadHubToken();
		onShutdown('realtime', () => getRealtimeHub().shutdown());
		// Audit starts before (so stops after) everything that records requests.
		startAudit();
		await startDownloads();
		await startBackends();
		onShutdown('backends', () => stopBackendChecks());

		// llama.cpp starts in the background: the first inference or /api/system/info awaits it.
		void getLlamaInstance().catch(() => {});
		await startPool();
		// The library asks the pool, never the other way round: a loaded model cannot be deleted.
		library.setLoadedCheck((id) => getPool().isLoaded(id));
		library.registerBusyCheck((id) => (getPool().isLoaded(id) ? 'loaded' : null));
		setMemoryLimitProvider(() => getPool().limits.memoryLimitBytes);

		(globalThis as Record<symbol, unknown>)[BRIDGE_KEY] = {
			handleUpgrade,
			closeSockets: () => getRealtimeHub().shutdown(),
			shutdown: runShutdown
		} satisfies ServerBridge;
		log.info('LLM Manager started', { data_dir: config.dataDir, models_dir: config.modelsDir });
		return config;
	});
}
