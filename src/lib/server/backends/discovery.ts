/**
 * A backend's models endpoint (`GET /models`, Anthropic's `GET /v1/models`) serves three purposes:
 * the "Test" button, model discovery, and the periodic health check that marks a backend up or down.
 */
import { singleton } from '../http/singleton';
import { log } from '../log';
import { BackendError, readJsonBody, send, type FailureReason } from './client';
import { recordFailure, recordSuccess } from './health';
import { cache, listBackendEntries, saveDiscovered, type BackendEntry } from './store';

/** How often enabled backends are checked (and their models listed again). */
export const CHECK_INTERVAL_MS = 30_000;
/** A test or check waits at most this long for the models list. */
const CHECK_TIMEOUT_MS = 10_000;
const MAX_MODELS = 5000;

export type TestResult = {
	ok: boolean;
	/** Why it failed: `bad_key`, `refused`, `dns`, `tls`, `timeout`, `network`, `http_error`, `bad_response`. */
	reason: FailureReason | null;
	message: string;
	latency_ms: number | null;
	models: string[];
};

/** The model ids of a models list (`{data: [{id}]}` for OpenAI and Anthropic alike). */
function idsOf(entry: BackendEntry, body: unknown): string[] {
	const data = (body as { data?: unknown })?.data;
	if (!Array.isArray(data)) throw new BackendError(entry.row.name, 'bad_response', 'the models list has no `data` array');
	const ids = data.flatMap((m) => (typeof m?.id === 'string' && m.id.length > 0 && m.id.length <= 256 ? [m.id as string] : []));
	return [...new Set(ids)].slice(0, MAX_MODELS);
}

/** Lists the backend's models; records the outcome in its health. */
export async function checkBackend(entry: BackendEntry, timeoutMs = Math.min(CHECK_TIMEOUT_MS, entry.row.timeoutMs)): Promise<TestResult> {
	const version = cache.version;
	const t0 = performance.now();
	try {
		const path = entry.row.kind === 'anthropic' ? '/models?limit=1000' : '/models';
		const res = await send(entry, path, { method: 'GET', timeoutMs });
		const latency = performance.now() - t0;
		const models = idsOf(entry, await readJsonBody(entry, res));
		recordSuccess(entry.row.id, latency);
		await saveDiscovered(entry.row.id, models, version);
		return { ok: true, reason: null, message: `${models.length} model${models.length === 1 ? '' : 's'} listed`, latency_ms: Math.round(latency), models };
	} catch (err) {
		const e = err instanceof BackendError ? err : new BackendError(entry.row.name, 'network', String(err));
		recordFailure(entry.row.id, e.message);
		return { ok: false, reason: e.reason, message: e.message, latency_ms: null, models: [] };
	}
}

const loop = singleton('backends-check-loop', () => ({ timer: null as NodeJS.Timeout | null, running: false }));

async function checkAll(): Promise<void> {
	if (loop.running) return;
	loop.running = true;
	try {
		await Promise.all(listBackendEntries().filter((e) => e.row.enabled).map((e) => checkBackend(e)));
	} catch (err) {
		log.warn('checking remote backends failed', { error: String(err) });
	} finally {
		loop.running = false;
	}
}

/** Starts the periodic check (a first one right away). */
export function startChecks(): void {
	if (loop.timer) return;
	void checkAll();
	loop.timer = setInterval(() => void checkAll(), CHECK_INTERVAL_MS);
	loop.timer.unref();
}

export function stopChecks(): void {
	if (loop.timer) clearInterval(loop.timer);
	loop.timer = null;
}
