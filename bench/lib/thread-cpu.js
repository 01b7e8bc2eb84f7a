// @ts-check
/** CPU time of a process's main thread (its JavaScript thread), from Linux's per-task scheduler stats. */
import fs from 'node:fs';

/**
 * Milliseconds of CPU the main thread of `pid` has run so far (`/proc/<pid>/task/<pid>/schedstat`,
 * nanosecond resolution); null where the kernel does not expose it.
 * @param {number} pid
 */
export function mainThreadCpuMs(pid) {
	try {
		const [ns] = fs.readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ');
		return Number(ns) / 1e6;
	} catch {
		return null;
	}
}
