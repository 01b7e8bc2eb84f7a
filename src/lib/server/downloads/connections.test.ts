import { describe, expect, it } from 'vitest';
import { ConnectionSlots } from './connections';

const never = new AbortController().signal;

describe('ConnectionSlots', () => {
	it('never grants more than its capacity, and serves waiters in order', async () => {
		const slots = new ConnectionSlots(2);
		const a = await slots.acquire(never);
		await slots.acquire(never);
		const order: string[] = [];
		const c = slots.acquire(never).then((release) => (order.push('c'), release));
		const d = slots.acquire(never).then((release) => (order.push('d'), release));
		await Promise.resolve();
		expect(slots.inUse).toBe(2);
		expect(order).toEqual([]);
		a();
		a(); // a second release of the same slot frees nothing more
		await c;
		expect(order).toEqual(['c']);
		expect(slots.inUse).toBe(2);
		(await c)();
		await d;
		expect(order).toEqual(['c', 'd']);
	});

	it('drops an aborted waiter from the queue', async () => {
		const slots = new ConnectionSlots(1);
		const first = await slots.acquire(never);
		const controller = new AbortController();
		const gone = slots.acquire(controller.signal);
		const next = slots.acquire(never);
		controller.abort(new Error('paused'));
		await expect(gone).rejects.toThrow('paused');
		first();
		const release = await next;
		expect(slots.inUse).toBe(1);
		release();
		expect(slots.inUse).toBe(0);
	});
});
