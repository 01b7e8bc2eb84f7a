/**
 * The download state machine of SPEC §3. User actions (pause, resume, cancel) and worker outcomes
 * (start, complete, fail) are the only ways a status changes; anything else is a 409 naming the state.
 */
import { ConflictError } from '../http/errors';

export const DOWNLOAD_STATUSES = ['pending', 'downloading', 'paused', 'completed', 'failed', 'cancelled'] as const;
export type DownloadStatus = (typeof DOWNLOAD_STATUSES)[number];
export type DownloadAction = 'start' | 'complete' | 'fail' | 'pause' | 'resume' | 'cancel';

const TRANSITIONS: Record<DownloadStatus, Partial<Record<DownloadAction, DownloadStatus>>> = {
	pending: { start: 'downloading', cancel: 'cancelled' },
	downloading: { complete: 'completed', fail: 'failed', pause: 'paused', cancel: 'cancelled' },
	paused: { resume: 'downloading', cancel: 'cancelled' },
	completed: {},
	failed: {},
	cancelled: {}
};

export class IllegalTransitionError extends ConflictError {
	constructor(readonly from: DownloadStatus, readonly action: DownloadAction) {
		super(`Cannot ${action} a download that is ${from}`, 'invalid_state', { status: from });
	}
}

/** The status after `action`, or an `IllegalTransitionError` (409). */
export function transition(from: DownloadStatus, action: DownloadAction): DownloadStatus {
	const to = TRANSITIONS[from][action];
	if (!to) throw new IllegalTransitionError(from, action);
	return to;
}

export function canTransition(from: DownloadStatus, action: DownloadAction): boolean {
	return TRANSITIONS[from][action] !== undefined;
}

export function isTerminal(status: DownloadStatus): boolean {
	return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/** Statuses listed by `/downloads/active` and de-duplicated against. */
export function isActive(status: DownloadStatus): boolean {
	return status === 'pending' || status === 'downloading' || status === 'paused';
}
