/** Each backend's health figures, for the Prometheus gauges (read when `/metrics` is scraped). */
import { healthView } from './health';
import { listBackendEntries } from './store';

export type BackendStatus = { name: string; enabled: boolean; up: boolean; inFlight: number; queued: number; latencyMs: number | null };

export function backendStatuses(): BackendStatus[] {
	return listBackendEntries().map((e) => {
		const h = healthView(e.row.id);
		return { name: e.row.name, enabled: e.row.enabled, up: h.status === 'up', inFlight: h.in_flight, queued: h.queued, latencyMs: h.latency_ms };
	});
}
