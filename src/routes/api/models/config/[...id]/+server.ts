import { requireUser } from '$lib/server/auth';
import { api, noContent } from '$lib/server/http/api';
import * as library from '$lib/server/library';
import type { RequestHandler } from './$types';

/** GGUF characteristics of a local model, or of a Hub file (`owner/repo/file.gguf`) via Range. */
export const GET: RequestHandler = api(async ({ locals, params }) => {
	requireUser(locals);
	return (await library.modelConfig(params.id)) ?? noContent();
});
