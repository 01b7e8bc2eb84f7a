import { singleton } from './http/singleton';
import { log } from './log';

type Step = { name: string; run: () => Promise<void> | void };

/**
 * Shutdown steps, run in reverse order of registration (last started, first stopped) so that, for
 * example, downloads and the pool stop before the database they write to is closed.
 */
const steps = singleton('shutdown-steps', () => [] as Step[]);

export function onShutdown(name: string, run: Step['run']): void {
	steps.push({ name, run });
}

let running: Promise<void> | null = null;

export function runShutdown(): Promise<void> {
	running ??= (async () => {
		for (const step of [...steps].reverse()) {
			try {
				await step.run();
			} catch (err) {
				log.error('shutdown step failed', { step: step.name, error: String(err) });
			}
		}
	})();
	return running;
}
