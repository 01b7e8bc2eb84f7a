import { describe, expect, it } from 'vitest';
import { MAX_GROUPS, percentileRank, topCounts } from './stats';

describe('stats helpers', () => {
	it('keeps the largest groups, merging equal keys, ties by name', () => {
		expect(topCounts([{ key: 'b', count: 2 }, { key: 'a', count: 2 }, { key: 'c', count: 5 }, { key: 'a', count: 1 }])).toEqual({ c: 5, a: 3, b: 2 });
		const many = Array.from({ length: MAX_GROUPS + 20 }, (_, i) => ({ key: `m${i}`, count: i + 1 }));
		const top = topCounts(many);
		expect(Object.keys(top)).toHaveLength(MAX_GROUPS);
		expect(Object.keys(top)[0]).toBe(`m${MAX_GROUPS + 19}`);
	});

	it('uses the nearest-rank percentile', () => {
		expect(percentileRank(1, 95)).toBe(0);
		expect(percentileRank(20, 95)).toBe(18);
		expect(percentileRank(100, 95)).toBe(94);
		expect(percentileRank(250, 95)).toBe(237);
	});
});
