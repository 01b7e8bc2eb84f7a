import { requireUser } from '$lib/server/auth';
import { getDownloadManager, StartDownload } from '$lib/server/downloads';
import { accepted, api } from '$lib/server/http/api';
import { readJson } from '$lib/server/http/parse';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = api(async ({ locals, request }) => {
	const caller = requireUser(locals);
	const body = await readJson(request, StartDownload);
	return accepted(await getDownloadManager().start(body, caller.user.id));
});
