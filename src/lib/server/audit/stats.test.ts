import { describe, expect, it } from 'vitest';
import { MAX_GROUPS, percentileRank, summarize, type StatsGroup } from './stats';

const group = (o: Partial<StatsGroup>): StatsGroup => ({
	status: 'success',
	model: 'm',
	user: 'u',
	count: 1,
	duration: 10,
	prompt: 1,
	completion: 2,
	...o
});

describe('stats', () => {
	it('folds groups into totals per status, model and user', () => {
		const s = summarize([
			group({ status: 'success', model: 'a', user: 'x', count: 3, duration: 30 }),
			group({ status: 'error', model: 'a', user: 'y', count: 1, duration: 50 }),
			group({ status: 'success', model: 'b', user: 'x', count: 2, duration: 20, prompt: 4, completion: 6 })
		]);
		expect(s).toEqual({
			total_requests: 6,
			by_status: { success: 5, error: 1 },
			by_model: { a: 4, b: 2 },
			by_user: { x: 5, y: 1 },
			unique_models: 2,
			avg_duration_ms: 17,
			tokens: { prompt: 6, completion: 10, total: 16 }
		});
	});

	it('has no averages without rows', () => {
		expect(summarize([])).toMatchObject({ total_requests: 0, avg_duration_ms: null, unique_models: 0 });
	});

	it('keeps the largest groups only', () => {
		const many = Array.from({ length: MAX_GROUPS + 20 }, (_, i) => group({ model: `m${i}`, count: i + 1 }));
		const s = summarize(many);
		expect(Object.keys(s.by_model)).toHaveLength(MAX_GROUPS);
		expect(s.unique_models).toBe(MAX_GROUPS + 20);
		expect(Object.keys(s.by_model)[0]).toBe(`m${MAX_GROUPS + 19}`);
	});

	it('uses the nearest-rank percentile', () => {
		expect(percentileRank(1, 95)).toBe(0);
		expect(percentileRank(20, 95)).toBe(18);
		expect(percentileRank(100, 95)).toBe(94);
	});
});
