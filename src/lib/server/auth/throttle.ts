import { getConfig } from '../config';
import { RateLimitedError } from '../http/errors';
import { singleton } from '../http/singleton';
import { RateLimiter } from './rate-limit';

/**
 * Password guessing is throttled without letting anyone lock an account's owner out:
 * - per address and email: 5 failures in 15 minutes refuse that pair (429);
 * - per address: 30 failures in 15 minutes refuse the address (429);
 * - per email, from any address: after 5 failures, attempts for it are spaced out by a growing delay
 *   (1 s, doubling up to 10 s) instead of being refused, so the right password from another address
 *   still signs in — only more slowly while someone else is guessing.
 * Registrations: at most `LLM_MANAGER_REGISTRATIONS_PER_HOUR` (10) per address per hour.
 */
const WINDOW_MS = 15 * 60_000;
const FREE_FAILURES = 5;
const MAX_DELAY_MS = 10_000;
/** Beyond this many queued seconds for one email, an attempt is refused rather than held. */
const MAX_QUEUE_MS = 60_000;

const throttles = () => ({
	byPair: new RateLimiter({ max: FREE_FAILURES, windowMs: WINDOW_MS }),
	byIp: new RateLimiter({ max: 30, windowMs: WINDOW_MS }),
	byEmail: new RateLimiter({ max: Number.MAX_SAFE_INTEGER, windowMs: WINDOW_MS }),
	/** Per email: the earliest time the next attempt may be checked. */
	nextSlot: new Map<string, number>(),
	registrations: new RateLimiter({ max: getConfig().registrationsPerHour, windowMs: 60 * 60_000 })
});

/** Created on first use, so that importing this module never reads the configuration. */
let created: ReturnType<typeof throttles> | undefined;
const stateOf = () => (created ??= singleton('auth-throttle', throttles));

const keys = (email: string, ip: string) => ({ pair: `${ip}\n${email}`, ip, email });

/** Delay between attempts for an email with `failures` recent failures. */
export function emailDelayMs(failures: number): number {
	if (failures < FREE_FAILURES) return 0;
	return Math.min(MAX_DELAY_MS, 1000 * 2 ** (failures - FREE_FAILURES));
}

/**
 * Waits until this attempt may be checked, or throws 429 for a refused address. Call before
 * verifying the password, then `recordLoginFailure` or `recordLoginSuccess`.
 */
export async function awaitLoginTurn(email: string, ip: string): Promise<void> {
	const k = keys(email, ip);
	const wait = Math.max(stateOf().byPair.check(k.pair), stateOf().byIp.check(k.ip));
	if (wait > 0) throw new RateLimitedError(wait);
	const delay = emailDelayMs(stateOf().byEmail.count(k.email));
	if (delay === 0) return;
	const now = Date.now();
	const slot = Math.max(now, stateOf().nextSlot.get(k.email) ?? 0);
	if (slot - now > MAX_QUEUE_MS) throw new RateLimitedError(Math.ceil((slot - now) / 1000));
	stateOf().nextSlot.set(k.email, slot + delay);
	if (stateOf().nextSlot.size > 10_000) pruneSlots(now);
	await new Promise((resolve) => setTimeout(resolve, slot - now));
}

export function recordLoginFailure(email: string, ip: string): void {
	const k = keys(email, ip);
	stateOf().byPair.fail(k.pair);
	stateOf().byIp.fail(k.ip);
	stateOf().byEmail.fail(k.email);
}

export function recordLoginSuccess(email: string, ip: string): void {
	const k = keys(email, ip);
	stateOf().byPair.reset(k.pair);
	stateOf().byEmail.reset(k.email);
	stateOf().nextSlot.delete(k.email);
}

/** Counts a registration from `ip`, or throws 429 when the address made too many. */
export function takeRegistrationTurn(ip: string): void {
	if (getConfig().registrationsPerHour === 0) return;
	const wait = stateOf().registrations.check(ip);
	if (wait > 0) throw new RateLimitedError(wait, 'Too many accounts created from this address');
	stateOf().registrations.fail(ip);
}

function pruneSlots(now: number): void {
	for (const [email, slot] of stateOf().nextSlot) if (slot < now) stateOf().nextSlot.delete(email);
}
