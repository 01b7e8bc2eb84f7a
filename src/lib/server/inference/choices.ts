import type { Lease } from '../pool';

/**
 * Runs `n` choices (OpenAI `n`) as parallel sequences: the first on the lease the request already
 * holds, each other one on a lease of its own, so they run side by side as far as the model's
 * `parallel` allows and queue otherwise (the first never waits for the others, so this cannot
 * deadlock). Every lease, the given one included, is released when its choice ends.
 */
export async function runChoices<R>(
	n: number,
	first: Lease,
	acquire: () => Promise<Lease>,
	run: (index: number, lease: Lease) => Promise<R>
): Promise<R[]> {
	const one = async (index: number): Promise<R> => {
		const lease = index === 0 ? first : await acquire();
		try {
			return await run(index, lease);
		} finally {
			lease.release();
		}
	};
	const settled = await Promise.allSettled(Array.from({ length: n }, (_, index) => one(index)));
	const failed = settled.find((s) => s.status === 'rejected');
	if (failed) throw (failed as PromiseRejectedResult).reason;
	return settled.map((s) => (s as PromiseFulfilledResult<R>).value);
}
