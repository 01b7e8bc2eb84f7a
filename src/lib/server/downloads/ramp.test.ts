import { afterEach, describe, expect, it, vi } from 'vitest';
import { LaneRamp } from './ramp';

const OPTIONS = { warmMs: 20, probeMs: 40, fastBytesPerSecond: 100e6, gain: 1.3 };
const MB = 1e6;

afterEach(() => {
	vi.useRealTimers();
});

/** Lane `lane`'s probe: a burst while the connection warms up (not measured), then `bytes` in its 40 ms window (fake clock). */
function probe(ramp: LaneRamp, lane: number, bytes: number): void {
	ramp.started(lane);
	ramp.count(50 * MB);
	vi.advanceTimersByTime(OPTIONS.warmMs);
	ramp.count(bytes);
	vi.advanceTimersByTime(OPTIONS.probeMs);
}

describe('LaneRamp', () => {
	it('opens every lane when one connection is slow (a capped server)', async () => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
		const ramp = new LaneRamp(8, OPTIONS);
		const waiting = ramp.admit(7);
		expect(ramp.width).toBe(1);
		probe(ramp, 0, 1.2 * MB); // 30 MB/s
		expect(await waiting).toBe(true);
		expect(ramp.width).toBe(8);
	});

	it('keeps one lane when a second adds little to a fast connection', async () => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
		const ramp = new LaneRamp(8, OPTIONS);
		const second = ramp.admit(1);
		const last = ramp.admit(7);
		probe(ramp, 0, 18 * MB); // 450 MB/s alone
		expect(await second).toBe(true);
		expect(ramp.width).toBe(2);
		probe(ramp, 1, 16 * MB); // 400 MB/s for the pair
		expect(await last).toBe(false);
		expect(ramp.width).toBe(1);
		expect(await ramp.admit(1)).toBe(false); // the partner takes no further part
		expect(await ramp.admit(0)).toBe(true);
	});

	it('opens every lane when the partner of a fast connection nearly doubles it', async () => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
		const ramp = new LaneRamp(8, OPTIONS);
		const last = ramp.admit(7);
		probe(ramp, 0, 8 * MB); // 200 MB/s
		probe(ramp, 1, 15 * MB); // 375 MB/s
		expect(await last).toBe(true);
		expect(ramp.width).toBe(8);
	});

	it('opens every lane when the partner gets no bytes in time, and measures only from the first bytes of a lane', async () => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
		const ramp = new LaneRamp(8, OPTIONS);
		vi.advanceTimersByTime(5_000); // connecting: no probe runs yet
		expect(ramp.width).toBe(1);
		probe(ramp, 0, 18 * MB);
		expect(ramp.width).toBe(2);
		const last = ramp.admit(7);
		vi.advanceTimersByTime(1_000);
		expect(await last).toBe(true);
		expect(ramp.width).toBe(8);
	});

	it('lets no waiting lane hang once the transfer ends', async () => {
		const ramp = new LaneRamp(4, OPTIONS);
		const waiting = ramp.admit(3);
		ramp.close();
		expect(await waiting).toBe(false);
		expect(new LaneRamp(1, OPTIONS).admit(0)).toBe(true);
	});
});
