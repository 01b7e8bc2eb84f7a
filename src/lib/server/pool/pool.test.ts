import { afterEach, describe, expect, it, vi } from 'vitest';
import { InsufficientMemoryError, ModelLoadError, QueueFullError, TooManyModelsError } from './errors';
import { ModelPool } from './pool';
import type { Estimate, LoadedBackend, LoadOptions, ModelLoader, PoolLimits } from './types';

const MB = 1024 ** 2;

/** A loader double, like ollama's mock runner: sizes per id, controllable load completion, counts. */
class FakeLoader implements ModelLoader {
	loads = new Map<string, number>();
	disposed: string[] = [];
	sizes = new Map<string, number>();
	failing = new Set<string>();
	gate: Promise<void> | null = null;
	sequences = 0;

	async estimate(file: string, options: LoadOptions): Promise<Estimate> {
		if (this.failing.has(file)) throw new Error('malformed GGUF header');
		return { bytes: (this.sizes.get(file) ?? 100 * MB) * 1, contextSize: options.contextSize };
	}

	async load(file: string): Promise<LoadedBackend> {
		this.loads.set(file, (this.loads.get(file) ?? 0) + 1);
		if (this.gate) await this.gate;
		return {
			model: { file } as never,
			context: {} as never,
			sizeBytes: this.sizes.get(file) ?? 100 * MB,
			getSequence: () => new FakeSequence(this.sequences++) as never,
			dispose: async () => {
				this.disposed.push(file);
			}
		};
	}
}

/** A sequence double: its "KV state" is a token list, compared as node-llama-cpp does. */
class FakeSequence {
	tokens: number[] = [];
	cleared = 0;
	constructor(readonly n: number) {}
	compareContextTokens(tokens: number[]) {
		let i = 0;
		while (i < this.tokens.length && this.tokens[i] === tokens[i]) i++;
		return { firstDifferentIndex: i };
	}
	async clearHistory() {
		this.tokens = [];
		this.cleared++;
	}
}
const seq = (lease: { sequence: unknown }) => lease.sequence as unknown as FakeSequence;

const LIMITS: PoolLimits = { memoryLimitBytes: 1000 * MB, maxModels: 4, keepAliveMs: -1, maxQueue: 2 };

function makePool(limits: Partial<PoolLimits> = {}) {
	const loader = new FakeLoader();
	const pool = new ModelPool({ loader, limits: { ...LIMITS, ...limits } });
	return { loader, pool };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

afterEach(() => {
	vi.useRealTimers();
});

describe('ModelPool', () => {
	it('loads a model once for concurrent callers (single flight)', async () => {
		const { loader, pool } = makePool();
		let open!: () => void;
		loader.gate = new Promise((r) => (open = r));
		const all = Promise.all([pool.acquire('a', { parallel: 3 }), pool.acquire('a', { parallel: 3 }), pool.load('a', { parallel: 3 })]);
		await tick();
		open();
		const [l1, l2] = await all;
		expect(loader.loads.get('a')).toBe(1);
		expect(l1.model).toBe(l2.model);
		l1.release();
		l2.release();
	});

	it('gives every waiter the same error when a load fails, and stays usable', async () => {
		const { loader, pool } = makePool();
		loader.failing.add('bad');
		const results = await Promise.allSettled([pool.acquire('bad'), pool.acquire('bad')]);
		expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
		const [e1, e2] = results.map((r) => (r as PromiseRejectedResult).reason);
		expect(e1).toBe(e2);
		expect(e1).toBeInstanceOf(ModelLoadError);
		expect(pool.lastFailure('bad')?.message).toMatch(/malformed GGUF/);
		expect(pool.isLoaded('bad')).toBe(false);
		const lease = await pool.acquire('good');
		expect(pool.isLoaded('good')).toBe(true);
		lease.release();
	});

	it('evicts the least recently used idle model at max_models', async () => {
		const { loader, pool } = makePool({ maxModels: 2 });
		for (const id of ['a', 'b']) (await pool.acquire(id)).release();
		(await pool.acquire('a')).release(); // b is now least recently used
		await pool.load('c');
		expect(loader.disposed).toEqual(['b']);
		expect(pool.listLoaded().map((m) => m.id).sort()).toEqual(['a', 'c']);
	});

	it('evicts by memory, never a pinned model', async () => {
		const { loader, pool } = makePool({ memoryLimitBytes: 250 * MB });
		await pool.load('pinned', { pinned: true });
		await pool.load('idle');
		await pool.load('new');
		expect(loader.disposed).toEqual(['idle']);
		expect(pool.isLoaded('pinned')).toBe(true);
	});

	it('never evicts a model in use: a load that only busy models block waits for them', async () => {
		const { loader, pool } = makePool({ memoryLimitBytes: 250 * MB });
		const lease = await pool.acquire('busy');
		await pool.load('pinned', { pinned: true });
		let loaded = false;
		const big = pool.load('big').then(() => (loaded = true));
		await tick();
		expect(loaded).toBe(false);
		expect(loader.disposed).toEqual([]);
		expect(pool.isLoaded('busy')).toBe(true);
		lease.release();
		await big;
		expect(loader.disposed).toEqual(['busy']);
	});

	it('no room even with every unpinned model gone → InsufficientMemoryError with figures', async () => {
		const { loader, pool } = makePool({ memoryLimitBytes: 250 * MB });
		loader.sizes.set('pinned', 200 * MB);
		await pool.load('pinned', { pinned: true });
		const lease = await pool.acquire('busy').catch((e) => e);
		expect(lease).toBeInstanceOf(InsufficientMemoryError);
		const err = await pool.load('big').catch((e) => e);
		expect(err).toBeInstanceOf(InsufficientMemoryError);
		expect(err.status).toBe(503);
		expect(err.code).toBe('insufficient_memory');
		expect(err.extra).toMatchObject({ required_bytes: 100 * MB, limit_bytes: 250 * MB, used_bytes: 200 * MB });
	});

	it('refuses a new model when max_models are all pinned; waits while they are only busy', async () => {
		const { pool } = makePool({ maxModels: 1 });
		await pool.load('p', { pinned: true });
		await expect(pool.load('b')).rejects.toBeInstanceOf(TooManyModelsError);
		pool.setPinned('p', false);
		const lease = await pool.acquire('p');
		const waiting = pool.load('b');
		await tick();
		expect(pool.isLoaded('b')).toBe(true);
		expect(pool.status().models.find((m) => m.id === 'b')?.state).toBe('loading');
		lease.release();
		await waiting;
		expect(pool.listLoaded().map((m) => m.id)).toEqual(['b']);
	});

	it('a load waiting for room gives up when its last waiter aborts', async () => {
		const { pool } = makePool({ maxModels: 1 });
		const lease = await pool.acquire('a');
		const controller = new AbortController();
		const waiting = pool.acquire('b', { signal: controller.signal });
		await tick();
		controller.abort();
		await expect(waiting).rejects.toThrow();
		await tick();
		expect(pool.isLoaded('b')).toBe(false);
		expect(pool.lastFailure('b')).toBeNull();
		lease.release();
	});

	it('unloads an idle model after its keep-alive; a request in between re-arms it', async () => {
		vi.useFakeTimers();
		const { loader, pool } = makePool({ keepAliveMs: 60_000 });
		(await pool.acquire('a')).release();
		expect(pool.status().models[0].keepAliveExpiresAt).not.toBeNull();
		await vi.advanceTimersByTimeAsync(30_000);
		(await pool.acquire('a')).release();
		await vi.advanceTimersByTimeAsync(40_000);
		expect(pool.isLoaded('a')).toBe(true);
		await vi.advanceTimersByTimeAsync(30_000);
		expect(pool.isLoaded('a')).toBe(false);
		expect(loader.disposed).toEqual(['a']);
	});

	it('keep-alive 0 unloads after each request; per-model keep-alive overrides; pinned stays', async () => {
		const { pool } = makePool({ keepAliveMs: -1 });
		(await pool.acquire('zero', { keepAliveMs: 0 })).release();
		await tick();
		expect(pool.isLoaded('zero')).toBe(false);
		(await pool.acquire('pin', { keepAliveMs: 0, pinned: true })).release();
		await tick();
		expect(pool.isLoaded('pin')).toBe(true);
	});

	it('applies lowered limits at once', async () => {
		const { pool } = makePool();
		for (const id of ['a', 'b', 'c']) await pool.load(id);
		pool.setLimits({ maxModels: 1 });
		await tick();
		expect(pool.listLoaded().map((m) => m.id)).toEqual(['c']);
	});

	it('runs up to `parallel` leases, queues the rest (bounded: 429 with Retry-After) and hands slots over', async () => {
		const { pool } = makePool({ maxQueue: 1 });
		const two = { parallel: 2 };
		const a = await pool.acquire('m', two);
		const b = await pool.acquire('m', two);
		const waiting = pool.acquire('m', two);
		await tick();
		expect(pool.status().models[0]).toMatchObject({ active: 2, queued: 1 });
		const full = await pool.acquire('m', two).catch((e) => e);
		expect(full).toBeInstanceOf(QueueFullError);
		expect(full.status).toBe(429);
		expect(Number(full.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
		a.release();
		const c = await waiting;
		expect(pool.status().models[0]).toMatchObject({ active: 2, queued: 0, queuedTotal: 1 });
		b.release();
		c.release();
		expect(pool.status().models[0]).toMatchObject({ active: 0, queued: 0 });
	});

	it('serves waiters strictly first come, first served, on sequences that are free at once', async () => {
		const { loader, pool } = makePool({ maxQueue: 16 });
		const two = { parallel: 2 };
		const held = [await pool.acquire('m', two), await pool.acquire('m', two)];
		const order: number[] = [];
		const waiters = [1, 2, 3, 4, 5, 6].map((i) => pool.acquire('m', two).then((lease) => (order.push(i), lease)));
		await tick();
		expect(pool.status().models[0].queued).toBe(6);
		for (let i = 0; i < 6; i++) {
			held.shift()!.release();
			await tick();
			held.push(await waiters[i]);
		}
		for (const lease of held) lease.release();
		expect(order).toEqual([1, 2, 3, 4, 5, 6]);
		// Two sequences made at load, borrowed and given back (never disposed and re-created).
		expect(loader.sequences).toBe(2);
	});

	it('gives a request the free sequence sharing the longest prompt prefix, else the least recently used', async () => {
		const { pool } = makePool();
		const three = { parallel: 3 };
		const [a, b, c] = [await pool.acquire('m', three), await pool.acquire('m', three), await pool.acquire('m', three)];
		seq(a).tokens = [1, 2, 3, 4];
		seq(b).tokens = [1, 2, 9];
		seq(c).tokens = [7];
		const aSeq = seq(a);
		const cSeq = seq(c);
		c.release();
		a.release();
		b.release();
		const warm = await pool.acquire('m', { ...three, prompt: () => [1, 2, 3, 4, 5] as never });
		expect(seq(warm)).toBe(aSeq);
		const cold = await pool.acquire('m', { ...three, prompt: () => [42] as never });
		expect(seq(cold)).toBe(cSeq);
		warm.reportReusedTokens(4);
		warm.release();
		cold.release();
		expect(pool.status().models[0].reusedTokens).toBe(4);
	});

	it('clears the state of a sequence whose request failed before lending it again', async () => {
		const { pool } = makePool();
		const lease = await pool.acquire('m');
		seq(lease).tokens = [1, 2];
		lease.discardState();
		lease.release();
		const next = await pool.acquire('m', { prompt: () => [1, 2, 3] as never });
		expect(seq(next).cleared).toBe(1);
		expect(seq(next).tokens).toEqual([]);
		next.release();
	});

	it('keys entries by model and reload options: other options get their own entry, never a shared one', async () => {
		const { loader, pool } = makePool();
		const small = await pool.acquire('m', { contextSize: 512, parallel: 2 });
		const large = await pool.acquire('m', { contextSize: 4096, parallel: 4 });
		expect(loader.loads.get('m')).toBe(2);
		expect(small.model).not.toBe(large.model);
		const models = pool.status().models.map((m) => ({ key: m.key, contextSize: m.contextSize, parallel: m.parallel }));
		expect(models).toEqual(
			expect.arrayContaining([
				{ key: 'm#ctx=512,gpu=auto,par=2', contextSize: 512, parallel: 2 },
				{ key: 'm#ctx=4096,gpu=auto,par=4', contextSize: 4096, parallel: 4 }
			])
		);
		small.release();
		large.release();
		expect(await pool.unload('m', { contextSize: 512, parallel: 2 })).toBe(true);
		expect(pool.isLoaded('m')).toBe(true);
		expect(pool.isLoaded('m', { contextSize: 512, parallel: 2 })).toBe(false);
		expect(await pool.unload('m')).toBe(true);
		expect(pool.isLoaded('m')).toBe(false);
	});

	it('releases a lease when its signal aborts; release is idempotent', async () => {
		const { pool } = makePool();
		const controller = new AbortController();
		const lease = await pool.acquire('m', { signal: controller.signal });
		expect(pool.status().models[0].active).toBe(1);
		controller.abort();
		expect(lease.released).toBe(true);
		lease.release();
		expect(pool.status().models[0].active).toBe(0);
	});

	it('drops an aborted waiter from the queue', async () => {
		const { pool } = makePool();
		const held = await pool.acquire('m');
		const controller = new AbortController();
		const waiting = pool.acquire('m', { signal: controller.signal });
		await tick();
		expect(pool.status().models[0].queued).toBe(1);
		controller.abort();
		await expect(waiting).rejects.toThrow();
		expect(pool.status().models[0].queued).toBe(0);
		held.release();
	});

	it('never unloads while leased: unload waits for the last release', async () => {
		const { loader, pool } = makePool();
		const lease = await pool.acquire('m');
		let done = false;
		const unloading = pool.unload('m').then(() => (done = true));
		await tick();
		expect(done).toBe(false);
		expect(loader.disposed).toEqual([]);
		lease.release();
		await unloading;
		expect(loader.disposed).toEqual(['m']);
	});

	it('emits change events and disposes everything on shutdown', async () => {
		const { loader, pool } = makePool();
		const events: string[] = [];
		pool.onChange((e) => events.push(e.type));
		await pool.load('a');
		await pool.shutdown();
		expect(events).toEqual(['loading', 'loaded', 'unloaded']);
		expect(loader.disposed).toEqual(['a']);
		await expect(pool.acquire('a')).rejects.toThrow(/shutting down/);
	});
});
