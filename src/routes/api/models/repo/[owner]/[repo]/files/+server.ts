import { requireUser } from '$lib/server/auth';
import { api } from '$lib/server/http/api';
import { readQuery } from '$lib/server/http/parse';
import * as hub from '$lib/server/hub';
import { memoryLimitBytes } from '$lib/server/system/memory-limit';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api(async ({ locals, params, url }) => {
	requireUser(locals);
	const repo = hub.parseRepoId(`${params.owner}/${params.repo}`);
	const { revision } = readQuery(url, hub.FilesQuery);
	hub.assertOnline();
	return hub.repoGgufFiles(repo, memoryLimitBytes(), revision);
});
