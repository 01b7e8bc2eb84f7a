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
		const sequence = { disposed: false, dispose() { this.disposed = true; } };
		return {
			model: { file } as never,
			context: {} as never,
			sizeBytes: this.sizes.get(file) ?? 100 * MB,
			getSequence: () => {
				this.sequences++;
				return { ...sequence } as never;
			},
			dispose: async () => {
				this.disposed.push(file);
			}
		};
	}
}

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
		const all = Promise.all([pool.acquire('a', { parallel: 3 }), pool.acquire('a'), pool.load('a')]);
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

	it('never evicts a model in use; no room → InsufficientMemoryError with figures', async () => {
		const { loader, pool } = makePool({ memoryLimitBytes: 250 * MB });
		const lease = await pool.acquire('busy');
		await pool.load('pinned', { pinned: true });
		const err = await pool.load('big').catch((e) => e);
		expect(err).toBeInstanceOf(InsufficientMemoryError);
		expect(err.status).toBe(503);
		expect(err.code).toBe('insufficient_memory');
		expect(err.extra).toMatchObject({ required_bytes: 100 * MB, limit_bytes: 250 * MB, used_bytes: 200 * MB });
		expect(loader.disposed).toEqual([]);
		expect(pool.isLoaded('busy')).toBe(true);
		lease.release();
		await pool.load('big');
		expect(loader.disposed).toEqual(['busy']);
	});

	it('refuses a new model when max_models are all pinned or busy', async () => {
		const { pool } = makePool({ maxModels: 1 });
		const lease = await pool.acquire('a');
		await expect(pool.load('b')).rejects.toBeInstanceOf(TooManyModelsError);
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

	it('runs up to `parallel` leases, queues the rest (bounded) and hands slots over in order', async () => {
		const { pool } = makePool({ maxQueue: 1 });
		const a = await pool.acquire('m', { parallel: 2 });
		const b = await pool.acquire('m');
		const waiting = pool.acquire('m');
		await tick();
		expect(pool.status().models[0]).toMatchObject({ active: 2, queued: 1 });
		await expect(pool.acquire('m')).rejects.toBeInstanceOf(QueueFullError);
		a.release();
		const c = await waiting;
		expect(pool.status().models[0]).toMatchObject({ active: 2, queued: 0 });
		b.release();
		c.release();
		expect(pool.status().models[0]).toMatchObject({ active: 0, queued: 0 });
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
