/**
 * How many connections a ranged transfer runs at once. More connections win when each one is held
 * back (a CDN's per-connection cap, a long path still in TCP's slow start), and lose when one already
 * takes what the link and the disk allow: the extra lanes then only add scattered writes (measured on
 * loopback: 419–456 MB/s on one connection, 189–382 MB/s on eight). So the first lane runs alone for a
 * moment; below `fastBytesPerSecond` every lane opens at once. A connection that fast gets one partner
 * for another moment, and the rest open only if the pair moved `gain` times as much; else one lane
 * carries the file.
 */

export type RampOptions = {
	/** How long after its lane's first bytes a probe starts measuring (a new connection is still speeding up). */
	warmMs: number;
	/** How long each probe measures. */
	probeMs: number;
	/** A connection slower than this is taken to be capped: every lane opens without a second probe. */
	fastBytesPerSecond: number;
	/** How much more two connections must move than one for all of them to open. */
	gain: number;
};

export const DEFAULT_RAMP: RampOptions = { warmMs: 50, probeMs: 80, fastBytesPerSecond: 100e6, gain: 1.5 };

/** A partner that has no bytes this long after it was let in (no free connection, retries) opens the rest. */
const PARTNER_WAIT_MS = 1000;

type Probe = { startedAt: number; bytes: number };

export class LaneRamp {
	#width = 1;
	#settled = false;
	#bytes = 0;
	#probe: Probe | null = null;
	#probing = false;
	#single = 0;
	#timer: ReturnType<typeof setTimeout> | null = null;
	#waiters: Array<() => void> = [];

	constructor(
		readonly lanes: number,
		readonly options: RampOptions = DEFAULT_RAMP
	) {
		if (lanes <= 1) this.#settle(lanes);
	}

	/** Lanes running now. */
	get width(): number {
		return this.#width;
	}

	/** The probes found one connection enough: the transfer is better carried by one stream. */
	get single(): boolean {
		return this.#settled && this.#width === 1 && this.lanes > 1;
	}

	/** Bytes that arrived on any lane. */
	count(bytes: number): void {
		this.#bytes += bytes;
	}

	/** Lane `lane`'s first bytes of a part arrived: the probe that waits for it starts, after `warmMs`. */
	started(lane: number): void {
		if (this.#settled || this.#probing || lane !== this.#width - 1) return;
		this.#probing = true;
		this.#after(this.options.warmMs, () => {
			this.#probe = { startedAt: performance.now(), bytes: this.#bytes };
			this.#after(this.options.probeMs, () => this.#measured());
		});
	}

	/** Resolves true while lane `lane` may take another part, false once it never will. */
	admit(lane: number): Promise<boolean> | boolean {
		if (lane < this.#width) return true;
		if (this.#settled) return false;
		return new Promise<void>((wake) => this.#waiters.push(wake)).then(() => this.admit(lane));
	}

	/** The transfer ended: no lane waits any more. */
	close(): void {
		if (!this.#settled) this.#settle(this.#width);
	}

	#measured(): void {
		const probe = this.#probe;
		this.#probe = null;
		this.#probing = false;
		if (!probe || this.#settled) return;
		const rate = ((this.#bytes - probe.bytes) * 1000) / Math.max(1, performance.now() - probe.startedAt);
		if (this.#width === 1) {
			this.#single = rate;
			if (rate < this.options.fastBytesPerSecond) return this.#settle(this.lanes);
			this.#width = 2;
			this.#after(PARTNER_WAIT_MS, () => this.#settle(this.lanes));
			return this.#wake();
		}
		this.#settle(rate >= this.#single * this.options.gain ? this.lanes : 1);
	}

	/** The ramp's one timer: `run` after `ms`, in place of what was pending. */
	#after(ms: number, run: () => void): void {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = setTimeout(() => {
			this.#timer = null;
			run();
		}, ms);
		this.#timer.unref?.();
	}

	#settle(width: number): void {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
		this.#width = width;
		this.#settled = true;
		this.#wake();
	}

	#wake(): void {
		const waiters = this.#waiters;
		this.#waiters = [];
		for (const wake of waiters) wake();
	}
}
