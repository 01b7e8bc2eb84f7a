/**
 * The progress SSE: a view over one download's events. First event at once, then at most 4 per second
 * while bytes flow plus every status change; it ends after a terminal status. Closing it only
 * unsubscribes: the download never notices.
 */
import { sseResponse, throttle } from '../http/sse';
import type { DownloadView } from './schemas';
import { isTerminal } from './state';
import { Task } from './task';

export const SSE_INTERVAL_MS = 250;

export function progressStream(source: Task | DownloadView): Response {
	return sseResponse((sink) => {
		if (!(source instanceof Task)) {
			sink.send(source);
			sink.close();
			return;
		}
		const first = source.view();
		sink.send(first);
		if (isTerminal(first.status)) {
			sink.close();
			return;
		}
		let lastStatus = first.status;
		const out = throttle<DownloadView>((view) => {
			sink.send(view);
			if (isTerminal(view.status)) sink.close();
		}, SSE_INTERVAL_MS);
		const unsubscribe = source.subscribe((view) => {
			const changed = view.status !== lastStatus;
			lastStatus = view.status;
			out.push(view, changed);
		});
		return () => {
			out.cancel();
			unsubscribe();
		};
	});
}
