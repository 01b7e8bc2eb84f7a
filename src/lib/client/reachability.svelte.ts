import { browser } from '$app/environment';

/** While the server does not answer, one light probe of `/health` runs this often instead of the pages' polling. */
const PROBE_MS = 1000;
const PROBE_TIMEOUT_MS = 3000;

/**
 * Whether the server answers, as the browser sees it. Any API call that fails for want of a
 * connection marks it unreachable: pages then stop polling (their calls would fail the same way)
 * and the layout shows one "server unreachable" state, while a single probe of `/health` runs every
 * second. The first answer marks it reachable again and every page refreshes at once, so the UI
 * recovers by itself within about a second of the server coming back.
 */
class Reachability {
	reachable = $state(true);
	#probe: ReturnType<typeof setTimeout> | null = null;
	readonly #recovered = new Set<() => void>();

	/** Called when a request could not reach the server. */
	markDown(): void {
		if (!browser || !this.reachable) return;
		this.reachable = false;
		this.#scheduleProbe(PROBE_MS);
	}

	/** Called when the server answered anything. */
	markUp(): void {
		if (this.reachable) return;
		this.reachable = true;
		if (this.#probe) clearTimeout(this.#probe);
		this.#probe = null;
		for (const listener of [...this.#recovered]) listener();
	}

	/** Checks now (e.g. after a WebSocket closed): marks down, or stays up. */
	async check(): Promise<boolean> {
		const ok = await probe();
		if (ok) this.markUp();
		else this.markDown();
		return ok;
	}

	/** Runs `listener` each time the server answers again after being unreachable; returns the unsubscribe. */
	onRecover(listener: () => void): () => void {
		this.#recovered.add(listener);
		return () => this.#recovered.delete(listener);
	}

	#scheduleProbe(ms: number): void {
		if (this.#probe) clearTimeout(this.#probe);
		this.#probe = setTimeout(async () => {
			this.#probe = null;
			if (this.reachable) return;
			if (await probe()) this.markUp();
			else this.#scheduleProbe(PROBE_MS);
		}, ms);
	}
}

async function probe(): Promise<boolean> {
	try {
		const res = await fetch('/health', { cache: 'no-store', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
		return res.ok;
	} catch {
		return false;
	}
}

export const reachability = new Reachability();

/** A failure that says nothing about the request itself: the server could not be reached. */
export function isUnreachable(err: unknown): boolean {
	return err instanceof TypeError || (err instanceof Error && err.name === 'TimeoutError') || (err as { code?: string })?.code === 'unreachable';
}
