/**
 * Each backend's health as this process sees it: up after a success, down after `DOWN_AFTER`
 * failures in a row (requests and checks alike), its latest latency (time to the answer's headers),
 * and the requests in flight, bounded by the backend's `max_concurrent` (more wait in order).
 */
import { singleton } from '../http/singleton';
import type { BackendEntry } from './store';

export const DOWN_AFTER = 3;

export type HealthState = 'unknown' | 'up' | 'down';

type Health = {
	state: HealthState;
	failures: number;
	latencyMs: number | null;
	inFlight: number;
	lastError: string | null;
	checkedAt: Date | null;
	waiting: (() => void)[];
};

const health = singleton('backends-health', () => new Map<string, Health>());

function of(id: string): Health {
	let h = health.get(id);
	if (!h) {
		h = { state: 'unknown', failures: 0, latencyMs: null, inFlight: 0, lastError: null, checkedAt: null, waiting: [] };
		health.set(id, h);
	}
	return h;
}

export function isDown(id: string): boolean {
	return of(id).state === 'down';
}

export function recordSuccess(id: string, latencyMs: number): void {
	const h = of(id);
	h.state = 'up';
	h.failures = 0;
	h.latencyMs = Math.round(latencyMs);
	h.lastError = null;
	h.checkedAt = new Date();
}

export function recordFailure(id: string, message: string): void {
	const h = of(id);
	h.failures++;
	h.lastError = message;
	h.checkedAt = new Date();
	if (h.failures >= DOWN_AFTER) h.state = 'down';
}

export function forget(id: string): void {
	health.delete(id);
}

/** What `/api/backends` shows. */
export function healthView(id: string) {
	const h = of(id);
	return {
		status: h.state,
		consecutive_failures: h.failures,
		latency_ms: h.latencyMs,
		in_flight: h.inFlight,
		queued: h.waiting.length,
		last_error: h.lastError,
		checked_at: h.checkedAt?.toISOString() ?? null
	};
}

/**
 * Waits for a slot under the backend's concurrency limit (none when 0) and returns its release.
 * Aborting the signal while waiting gives up the place in line.
 */
export async function acquireSlot(entry: BackendEntry, signal: AbortSignal): Promise<() => void> {
	const h = of(entry.row.id);
	const limit = entry.row.maxConcurrent;
	if (limit > 0 && h.inFlight >= limit) {
		// A release hands its slot straight to the first waiter (`inFlight` unchanged), so that no
		// newcomer slips in between.
		await new Promise<void>((resolve, reject) => {
			const wake = () => {
				signal.removeEventListener('abort', abort);
				resolve();
			};
			const abort = () => {
				h.waiting = h.waiting.filter((w) => w !== wake);
				reject(signal.reason);
			};
			if (signal.aborted) return reject(signal.reason);
			signal.addEventListener('abort', abort, { once: true });
			h.waiting.push(wake);
		});
	} else {
		h.inFlight++;
	}
	let released = false;
	return () => {
		if (released) return;
		released = true;
		const next = h.waiting.shift();
		if (next) next();
		else h.inFlight--;
	};
}
