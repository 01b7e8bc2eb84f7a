import { Registry, collectDefaultMetrics } from 'prom-client';
import { singleton } from '../http/singleton';

/** The one metrics registry of this process, with Node's process metrics (CPU, memory, event loop…). */
export function getRegistry(): Registry {
	return singleton('metrics-registry', () => {
		const registry = new Registry();
		collectDefaultMetrics({ register: registry });
		return registry;
	});
}

/**
 * Bounds the distinct values a label takes: label values come from requests (a `model` field), and
 * each new value is a new time series. Past `max` values, new ones are counted as `other`.
 */
export class LabelBound {
	readonly #seen = new Set<string>();
	constructor(readonly max: number) {}

	value(raw: string): string {
		const value = raw.slice(0, 200);
		if (this.#seen.has(value)) return value;
		if (this.#seen.size >= this.max) return 'other';
		this.#seen.add(value);
		return value;
	}
}
