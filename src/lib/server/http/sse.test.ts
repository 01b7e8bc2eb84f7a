import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatEvent, sseResponse, throttle } from './sse';

describe('formatEvent', () => {
	it('frames JSON as one data line ending with a blank line', () => {
		expect(formatEvent({ a: 1 })).toBe('data: {"a":1}\n\n');
	});
	it('splits multi-line text into several data lines and adds event and id', () => {
		expect(formatEvent('one\ntwo\r\nthree', { event: 'note', id: '7' })).toBe(
			'event: note\nid: 7\ndata: one\ndata: two\ndata: three\n\n'
		);
	});
});

describe('throttle', () => {
	afterEach(() => vi.useRealTimers());

	it('sends at most one value per interval, the latest one, and urgent values at once', () => {
		vi.useFakeTimers();
		const sent: number[] = [];
		const t = throttle<number>((v) => sent.push(v), 250);
		t.push(1);
		for (let i = 2; i <= 50; i++) t.push(i); // a burst
		expect(sent).toEqual([1]);
		vi.advanceTimersByTime(250);
		expect(sent).toEqual([1, 50]);
		t.push(51);
		t.push(52, true); // a status change does not wait
		expect(sent).toEqual([1, 50, 52]);
		vi.advanceTimersByTime(1000);
		expect(sent).toEqual([1, 50, 52]);
	});

	it('keeps to 4 per second under a steady stream', () => {
		vi.useFakeTimers();
		let count = 0;
		const t = throttle<number>(() => count++, 250);
		for (let ms = 0; ms < 10_000; ms += 10) {
			t.push(ms);
			vi.advanceTimersByTime(10);
		}
		expect(count).toBeLessThanOrEqual(41);
		expect(count).toBeGreaterThanOrEqual(39);
	});

	it('sends nothing after cancel', () => {
		vi.useFakeTimers();
		const sent: number[] = [];
		const t = throttle<number>((v) => sent.push(v), 250);
		t.push(1);
		t.push(2);
		t.cancel();
		vi.advanceTimersByTime(1000);
		expect(sent).toEqual([1]);
	});
});

describe('sseResponse', () => {
	it('streams frames and runs the cleanup when the client goes away', async () => {
		const cleanup = vi.fn();
		let sink: { send: (d: unknown) => void } | null = null;
		const res = sseResponse((s) => {
			sink = s;
			s.send({ n: 1 });
			return cleanup;
		});
		expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
		const reader = res.body!.getReader();
		const first = new TextDecoder().decode((await reader.read()).value);
		expect(first).toBe('data: {"n":1}\n\n');
		await reader.cancel();
		expect(cleanup).toHaveBeenCalledOnce();
		sink!.send({ n: 2 }); // after the close: ignored, no throw
	});

	it('ends the stream when the producer closes it', async () => {
		const res = sseResponse((s) => {
			s.send('last');
			s.close();
		});
		const text = await res.text();
		expect(text).toBe('data: last\n\n');
	});
});
