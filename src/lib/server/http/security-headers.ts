import type { RequestEvent } from '@sveltejs/kit';

/**
 * Headers every dynamic response carries (pages also get the CSP of `kit.csp` in svelte.config.js):
 * no framing by other sites, no MIME sniffing, no referrer to other sites, HSTS when served over
 * https, and `Cache-Control: no-store` on what is made per caller (API answers, pages, page data),
 * so that no shared cache or back button keeps another person's data.
 */
export function withSecurityHeaders(event: RequestEvent, response: Response): Response {
	let res = response;
	try {
		setHeaders(event, res.headers);
	} catch {
		// Some responses (e.g. from `fetch`) have immutable headers: copy them into a new one.
		res = new Response(response.body, response);
		setHeaders(event, res.headers);
	}
	return res;
}

function setHeaders(event: RequestEvent, headers: Headers): void {
	headers.set('X-Frame-Options', 'DENY');
	headers.set('X-Content-Type-Options', 'nosniff');
	headers.set('Referrer-Policy', 'same-origin');
	if (event.url.protocol === 'https:') headers.set('Strict-Transport-Security', 'max-age=31536000');
	const cache = headers.get('cache-control');
	// Streams say `no-cache` already; anything not marked is made per caller.
	if (!cache || !/no-store/.test(cache)) headers.set('Cache-Control', cache?.includes('no-cache') ? `${cache}, no-store` : 'no-store');
}
