/** How a download's worker ended, in the manager's terms, and what `start` answers. */
import type { StartedDownload } from './schemas';
import type { Task } from './task';

export type StopKind = 'pause' | 'cancel' | 'shutdown';

/** The abort reason of a worker stopped by an action (the action sets the status). */
export class Stop {
	constructor(readonly kind: StopKind) {}
}

export function failureMessage(err: unknown): string {
	if ((err as NodeJS.ErrnoException)?.code === 'ENOSPC') return 'disk full';
	return err instanceof Error ? err.message : String(err);
}

export function started(task: Task, existing: boolean): StartedDownload {
	return { task_id: task.row.taskId, download_id: task.id, model_id: task.row.modelId, status: task.status, existing };
}
