import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LaneWriter } from './lane-writer';

/** A file in memory whose writes take until `release()`. */
function slowFile(size: number) {
	const bytes = Buffer.alloc(size);
	const writes: Array<[number, number]> = [];
	let waiting: Array<() => void> = [];
	const writeAt = (buffer: Buffer, start: number, end: number) =>
		new Promise<void>((resolve) => {
			waiting.push(() => {
				buffer.copy(bytes, start, 0, end - start);
				writes.push([start, end]);
				resolve();
			});
		});
	const release = () => {
		const now = waiting;
		waiting = [];
		now.forEach((go) => go());
	};
	return { bytes, writes, writeAt, release };
}

const buffers = (n: number): [Buffer, Buffer] => [Buffer.alloc(n), Buffer.alloc(n)];

describe('LaneWriter', () => {
	it('writes each full buffer at its offset and takes no more while both are full', async () => {
		const file = slowFile(100);
		const writer = new LaneWriter(buffers(10), 50, file.writeAt);
		const data = crypto.randomBytes(35);
		expect(writer.take(data)).toBe(20); // one buffer writing, the other full
		let ready = false;
		void writer.ready().then(() => (ready = true));
		await Promise.resolve();
		expect(ready).toBe(false);
		file.release();
		await writer.ready();
		let taken = 20;
		while (taken < data.length) {
			taken += writer.take(data.subarray(taken));
			file.release();
			await writer.ready();
		}
		const finished = writer.finish();
		const drain = setInterval(file.release, 1);
		await finished;
		clearInterval(drain);
		expect(file.writes).toEqual([[50, 60], [60, 70], [70, 80], [80, 85]]);
		expect(file.bytes.subarray(50, 85).equals(data)).toBe(true);
	});

	it('keeps a failed write and throws it on the next take and at the end', async () => {
		const full = Object.assign(new Error('no space'), { code: 'ENOSPC' });
		const writer = new LaneWriter(buffers(4), 0, () => Promise.reject(full));
		expect(writer.take(Buffer.from('abcd'))).toBe(4);
		await writer.ready();
		expect(() => writer.take(Buffer.from('e'))).toThrow(full);
		await expect(writer.finish()).rejects.toBe(full);
		expect(writer.error).toBe(full);
	});
});
