/**
 * A part's bytes on their way to the file: copied into one of the lane's two buffers while the other
 * is written, so each write is one large buffer at its offset and the received chunks die young. One
 * write in flight; a failed write (ENOSPC) is kept and thrown by the next `take` or by `finish`.
 */
import type { BodyTarget } from '../hub/plain-get';

/** Bytes reach the disk at least this often, so a crash loses little. */
export const WRITE_INTERVAL_MS = 500;

/** Writes `[start, end)` of the file from the first `end - start` bytes of `buffer`. */
export type WriteAt = (buffer: Buffer, start: number, end: number) => Promise<void>;

export class LaneWriter implements BodyTarget {
	#fill = 0;
	#used = 0;
	#start: number;
	#inFlight: Promise<void> | null = null;
	#error: unknown = null;
	#lastFlush = Date.now();

	constructor(
		private readonly buffers: [Buffer, Buffer],
		start: number,
		private readonly writeAt: WriteAt
	) {
		this.#start = start;
	}

	get error(): unknown {
		return this.#error;
	}

	take(chunk: Buffer): number {
		if (this.#error) throw this.#error;
		const size = this.buffers[0].length;
		let taken = 0;
		while (taken < chunk.length) {
			if (this.#used === size && !this.#flush()) break;
			const n = Math.min(chunk.length - taken, size - this.#used);
			chunk.copy(this.buffers[this.#fill], this.#used, taken, taken + n);
			this.#used += n;
			taken += n;
		}
		if (this.#used === size || Date.now() - this.#lastFlush >= WRITE_INTERVAL_MS) this.#flush();
		return taken;
	}

	ready(): Promise<void> {
		return this.#inFlight ?? Promise.resolve();
	}

	/** Writes all that was taken; throws a write's failure. */
	async finish(): Promise<void> {
		while (this.#inFlight || this.#used > 0) {
			await this.#inFlight;
			if (this.#error) break;
			this.#flush();
		}
		if (this.#error) throw this.#error;
	}

	/** Hands the filling buffer to the disk unless a write is still in flight (false). */
	#flush(): boolean {
		if (this.#inFlight) return false;
		this.#lastFlush = Date.now();
		if (this.#used === 0 || this.#error) return true;
		const buffer = this.buffers[this.#fill];
		const start = this.#start;
		const end = start + this.#used;
		this.#fill ^= 1;
		this.#used = 0;
		this.#start = end;
		this.#inFlight = this.writeAt(buffer, start, end).then(
			() => void (this.#inFlight = null),
			(err) => void ((this.#error = err), (this.#inFlight = null))
		);
		return true;
	}
}
