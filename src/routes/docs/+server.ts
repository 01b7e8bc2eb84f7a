import * as docs from '$lib/server/docs';

/** The interactive API reference (public, like `/api/openapi.json`). */
export const GET = () =>
	new Response(docs.docsPage(), {
		headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': docs.DOCS_CSP }
	});
