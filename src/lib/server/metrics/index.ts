import { timingSafeEqual, createHash } from 'node:crypto';
import type { Caller } from '../auth/types';
import { bearerFrom } from '../auth/resolve';
import { getConfig } from '../config';
import { ForbiddenError, UnauthorizedError } from '../http/errors';
import { getRegistry } from './registry';
import { requestMetrics } from './requests';
import { registerStateMetrics } from './state';

export { observeRequest, observeQueueWait } from './requests';

/** The Prometheus text exposition of every metric. */
export async function metricsText(): Promise<{ body: string; contentType: string }> {
	requestMetrics();
	registerStateMetrics();
	const registry = getRegistry();
	return { body: await registry.metrics(), contentType: registry.contentType };
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Whether the request carries `LLM_MANAGER_METRICS_TOKEN` as its Bearer token (compared in constant time). */
function hasMetricsToken(authorization: string | null): boolean {
	const expected = getConfig().metricsToken;
	const presented = bearerFrom(authorization);
	return Boolean(expected && presented && timingSafeEqual(digest(presented), digest(expected)));
}

/** `/metrics` is for an admin's credentials or the dedicated metrics token; everyone else is refused. */
export function authorizeMetrics(caller: Caller | null, authorization: string | null): void {
	if (hasMetricsToken(authorization)) return;
	if (!caller) throw new UnauthorizedError('Send an admin credential or LLM_MANAGER_METRICS_TOKEN as a Bearer token');
	if (!caller.user.isAdmin) throw new ForbiddenError('Metrics are for administrators', 'admin_required');
}
