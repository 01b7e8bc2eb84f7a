import { api } from '$lib/server/http/api';
import * as metrics from '$lib/server/metrics';

/** Prometheus scrape target: the text exposition format. */
export const GET = api(async ({ locals, request }) => {
	metrics.authorizeMetrics(locals.caller, request.headers.get('authorization'));
	const { body, contentType } = await metrics.metricsText();
	return new Response(body, { headers: { 'content-type': contentType, 'cache-control': 'no-store' } });
});
