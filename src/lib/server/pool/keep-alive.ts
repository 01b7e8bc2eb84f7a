/**
 * Keep-alive timers of idle models (invariant I4 of `ModelPool`): a timer exists only while an entry
 * is ready and nobody holds or waits for it; taking a reference clears it.
 */
import type { Entry } from './entry';

export function cancelIdle(entry: Entry): void {
	if (entry.timer) clearTimeout(entry.timer);
	entry.timer = null;
	entry.expiresAt = null;
}

export type IdleContext = {
	/** Whether the entry is still the pool's entry for its key. */
	isCurrent: () => boolean;
	/** The pool's keep-alive, for entries without their own. */
	keepAliveMs: number;
	unload: () => void;
};

/** Arms the keep-alive of an idle ready entry, or unloads it now (keep-alive 0, or draining). */
export function settleIdle(entry: Entry, pool: IdleContext): void {
	cancelIdle(entry);
	if (entry.refs > 0 || entry.state !== 'ready' || !pool.isCurrent()) return;
	if (entry.draining) return pool.unload();
	if (entry.options.pinned) return;
	const keepAlive = entry.options.keepAliveMs ?? pool.keepAliveMs;
	if (keepAlive < 0) return;
	if (keepAlive === 0) return pool.unload();
	entry.expiresAt = Date.now() + keepAlive;
	entry.timer = setTimeout(() => {
		entry.timer = null;
		if (entry.refs === 0 && pool.isCurrent()) pool.unload();
	}, keepAlive);
	entry.timer.unref?.();
}
