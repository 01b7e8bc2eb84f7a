/**
 * SHA-256 of a file written out of order: the hash follows the written prefix as it grows, from the
 * written bytes themselves where they continue it, else reading them back (from the page cache, just
 * written) while the other parts are still arriving, so little is left to hash when the last byte lands.
 */
import crypto from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

const READ_CHUNK = 1 << 20;

export class PrefixHasher {
	#hash = crypto.createHash('sha256');
	#hashed = 0;
	#target = 0;
	#running: Promise<void> | null = null;
	#error: unknown = null;
	#buffer = Buffer.allocUnsafe(READ_CHUNK);

	constructor(
		readonly file: FileHandle,
		readonly follow: boolean
	) {}

	/**
	 * `bytes` were just written at `start`: hashed from memory when they continue the hashed prefix
	 * and no read-back is under way (reading the file back while it is written costs the kernel about
	 * as much again as the writes, measured), so a file written in order is never read back.
	 */
	wrote(start: number, bytes: Buffer): void {
		if (!this.follow || this.#running || this.#error || start !== this.#hashed) return;
		this.#hash.update(bytes);
		this.#hashed += bytes.length;
	}

	/** The file's bytes `[0, end)` are written. */
	advance(end: number): void {
		if (end > this.#target) this.#target = end;
		if (this.follow) this.#kick();
	}

	#kick(): void {
		if (this.#running || this.#error || this.#hashed >= this.#target) return;
		this.#running = this.#read()
			.catch((err) => void (this.#error = err))
			.finally(() => {
				this.#running = null;
				this.#kick();
			});
	}

	async #read(): Promise<void> {
		while (this.#hashed < this.#target) {
			const n = Math.min(READ_CHUNK, this.#target - this.#hashed);
			const { bytesRead } = await this.file.read(this.#buffer, 0, n, this.#hashed);
			if (bytesRead === 0) throw new Error(`the partial file ends at ${this.#hashed} bytes`);
			this.#hash.update(this.#buffer.subarray(0, bytesRead));
			this.#hashed += bytesRead;
		}
	}

	/** The hex digest of `[0, size)` once every byte is written. */
	async digest(size: number): Promise<string> {
		this.advance(size);
		this.#kick();
		while (this.#running) await this.#running;
		if (this.#error) throw this.#error;
		if (this.#hashed !== size) throw new Error(`hashed ${this.#hashed} of ${size} bytes`);
		return this.#hash.digest('hex');
	}
}
