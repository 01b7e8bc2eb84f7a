import { requireUser } from '$lib/server/auth';
import { api } from '$lib/server/http/api';
import { readQuery } from '$lib/server/http/parse';
import * as hub from '$lib/server/hub';
import * as library from '$lib/server/library';
import { memoryLimitBytes } from '$lib/server/system/memory-limit';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api(async ({ locals, url }) => {
	requireUser(locals);
	const q = readQuery(url, hub.SearchQuery);
	return hub.searchModels(
		{ query: q.query, limit: q.limit, sort: q.sort, maxSizeGb: q.max_size_gb, limitBytes: memoryLimitBytes() },
		library.isRepoDownloaded
	);
});
