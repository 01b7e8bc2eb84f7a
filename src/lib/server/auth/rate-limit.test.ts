import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit';

function limiter(max = 3, windowMs = 60_000) {
	const clock = { now: 1_000_000 };
	return { clock, limiter: new RateLimiter({ max, windowMs, now: () => clock.now }) };
}

describe('RateLimiter', () => {
	it('allows attempts until max failures are inside the window', () => {
		const { limiter: l } = limiter(3);
		expect(l.check('k')).toBe(0);
		l.fail('k');
		l.fail('k');
		expect(l.check('k')).toBe(0);
		l.fail('k');
		expect(l.check('k')).toBeGreaterThan(0);
	});

	it('answers the seconds until the oldest counted failure leaves the window', () => {
		const { clock, limiter: l } = limiter(2, 60_000);
		l.fail('k');
		clock.now += 10_000;
		l.fail('k');
		expect(l.check('k')).toBe(50);
		clock.now += 49_500;
		expect(l.check('k')).toBe(1);
		clock.now += 500;
		expect(l.check('k')).toBe(0);
	});

	it('rounds Retry-After up to whole seconds, at least 1', () => {
		const { clock, limiter: l } = limiter(1, 1_500);
		l.fail('k');
		expect(l.check('k')).toBe(2);
		clock.now += 1_499;
		expect(l.check('k')).toBe(1);
	});

	it('forgets failures once the window has passed', () => {
		const { clock, limiter: l } = limiter(2, 60_000);
		l.fail('k');
		l.fail('k');
		clock.now += 60_001;
		expect(l.check('k')).toBe(0);
		l.fail('k');
		expect(l.check('k')).toBe(0);
	});

	it('keeps keys apart', () => {
		const { limiter: l } = limiter(1);
		l.fail('a');
		expect(l.check('a')).toBeGreaterThan(0);
		expect(l.check('b')).toBe(0);
	});

	it('reset clears a key', () => {
		const { limiter: l } = limiter(1);
		l.fail('k');
		l.reset('k');
		expect(l.check('k')).toBe(0);
	});
});
