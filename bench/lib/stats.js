/** Percentiles and small timing helpers for benchmarks. */
export const now = () => performance.timeOrigin + performance.now();

export function percentile(values, p) {
	if (values.length === 0) return NaN;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const round = (v, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Median wall time of `runs` calls of `fn`, in ms. */
export async function medianMs(fn, runs = 5) {
	const times = [];
	for (let i = 0; i < runs; i++) {
		const start = performance.now();
		await fn();
		times.push(performance.now() - start);
	}
	return round(percentile(times, 50));
}
