import { describe, expect, it } from 'vitest';
import { DOWNLOAD_STATUSES, IllegalTransitionError, canTransition, transition, type DownloadAction } from './state';

const ALLOWED: [string, DownloadAction, string][] = [
	['pending', 'start', 'downloading'],
	['pending', 'cancel', 'cancelled'],
	['downloading', 'complete', 'completed'],
	['downloading', 'fail', 'failed'],
	['downloading', 'pause', 'paused'],
	['downloading', 'cancel', 'cancelled'],
	['paused', 'resume', 'downloading'],
	['paused', 'cancel', 'cancelled']
];
const ACTIONS: DownloadAction[] = ['start', 'complete', 'fail', 'pause', 'resume', 'cancel'];

describe('download state machine', () => {
	it.each(ALLOWED)('%s --%s--> %s', (from, action, to) => {
		expect(transition(from as never, action)).toBe(to);
	});

	it('refuses every other move with a 409 naming the current state', () => {
		for (const from of DOWNLOAD_STATUSES) {
			for (const action of ACTIONS) {
				if (ALLOWED.some(([f, a]) => f === from && a === action)) continue;
				expect(canTransition(from, action)).toBe(false);
				try {
					transition(from, action);
					expect.unreachable(`${from} --${action}-->`);
				} catch (err) {
					expect(err).toBeInstanceOf(IllegalTransitionError);
					expect((err as IllegalTransitionError).status).toBe(409);
					expect((err as IllegalTransitionError).message).toContain(from);
					expect((err as IllegalTransitionError).extra).toEqual({ status: from });
				}
			}
		}
	});

	it('never turns a paused download into cancelled by pausing it again', () => {
		expect(() => transition('paused', 'pause')).toThrow(/paused/);
	});
});
