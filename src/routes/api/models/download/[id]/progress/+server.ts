import { requireUser } from '$lib/server/auth';
import { getDownloadManager, progressStream } from '$lib/server/downloads';
import { api } from '$lib/server/http/api';
import { NotFoundError } from '$lib/server/http/errors';
import type { RequestHandler } from './$types';

/** SSE view of one download (auth: cookie, Bearer or `?token=`). `id` is the task id. */
export const GET: RequestHandler = api(async ({ locals, params }) => {
	requireUser(locals);
	const manager = getDownloadManager();
	const live = manager.liveTask(params.id);
	const view = live ? null : await manager.viewByTask(params.id);
	if (!live && !view) throw new NotFoundError('Task not found', 'task_not_found');
	return progressStream(live ?? view!);
});
