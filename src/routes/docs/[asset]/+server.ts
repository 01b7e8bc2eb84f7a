import { api } from '$lib/server/http/api';
import * as docs from '$lib/server/docs';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api(async ({ params }) => {
	const { body, contentType } = await docs.docsAsset(params.asset);
	return new Response(body, { headers: { 'content-type': contentType, 'cache-control': 'public, max-age=3600' } });
});
