import { describe, expect, it } from 'vitest';
import { DOWN_AFTER, acquireSlot, healthView, isDown, recordFailure, recordSuccess } from './health';
import type { BackendEntry } from './store';

const entry = (id: string, maxConcurrent: number) => ({ row: { id, maxConcurrent } }) as unknown as BackendEntry;

describe('backend health', () => {
	it('goes down after repeated failures and up after one success', () => {
		for (let i = 0; i < DOWN_AFTER - 1; i++) recordFailure('h1', 'refused');
		expect(isDown('h1')).toBe(false);
		recordFailure('h1', 'refused');
		expect(isDown('h1')).toBe(true);
		expect(healthView('h1')).toMatchObject({ status: 'down', consecutive_failures: DOWN_AFTER, last_error: 'refused' });
		recordSuccess('h1', 12.4);
		expect(healthView('h1')).toMatchObject({ status: 'up', consecutive_failures: 0, latency_ms: 12, last_error: null });
	});

	it('holds requests over max_concurrent in order, hands a freed slot to the first, and lets a waiter give up', async () => {
		const e = entry('h2', 1);
		const first = await acquireSlot(e, new AbortController().signal);
		const order: string[] = [];
		const gaveUp = new AbortController();
		const second = acquireSlot(e, new AbortController().signal).then((r) => (order.push('second'), r));
		const quitter = acquireSlot(e, gaveUp.signal).catch(() => order.push('quit'));
		const third = acquireSlot(e, new AbortController().signal).then((r) => (order.push('third'), r));
		expect(healthView('h2')).toMatchObject({ in_flight: 1, queued: 3 });
		gaveUp.abort();
		await quitter;
		first();
		(await second)();
		(await third)();
		expect(order).toEqual(['quit', 'second', 'third']);
		expect(healthView('h2')).toMatchObject({ in_flight: 0, queued: 0 });
	});
});
