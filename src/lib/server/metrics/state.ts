/**
 * Gauges read when Prometheus scrapes: the pool (memory, loaded models, per-model activity and queue
 * depth), remote backends' health, downloads by status, and the audit recorder's backlog. Nothing is kept between scrapes.
 */
import { Counter, Gauge } from 'prom-client';
import { getAuditRecorder } from '../audit';
import { backendStatuses, type BackendStatus } from '../backends/status';
import { downloadTotals } from '../downloads';
import { singleton } from '../http/singleton';
import { getPool, type PoolStatus } from '../pool';
import { getRegistry } from './registry';

const DOWNLOAD_STATUSES = ['pending', 'downloading', 'paused', 'completed', 'failed', 'cancelled'] as const;


function createStateMetrics() {
	const registers = [getRegistry()];
	// Each gauge reads the pool itself: the registry serialises a metric right after collecting it.
	const poolGauge = (name: string, help: string, labelNames: string[], read: (gauge: Gauge, status: PoolStatus) => void) =>
		new Gauge({
			name,
			help,
			labelNames,
			registers,
			collect() {
				this.reset();
				read(this, getPool().status());
			}
		});
	poolGauge('llm_manager_pool_memory_used_bytes', 'Memory the loaded models and their contexts take (estimated).', [], (g, s) => g.set(s.usedBytes));
	poolGauge('llm_manager_pool_memory_limit_bytes', 'Memory for models: the pool limit.', [], (g, s) => g.set(s.limits.memoryLimitBytes));
	poolGauge('llm_manager_pool_max_models', 'Most models loaded at once.', [], (g, s) => g.set(s.limits.maxModels));
	poolGauge('llm_manager_models_loaded', 'Models in the pool, by state (loading, ready, unloading).', ['state'], (g, s) => {
		for (const state of ['loading', 'ready', 'unloading'] as const) g.set({ state }, s.models.filter((m) => m.state === state).length);
	});
	const perModel = (name: string, help: string, pick: (m: PoolStatus['models'][number]) => number) =>
		poolGauge(name, help, ['model'], (g, s) => {
			// A model may have several pool entries (one per set of reload options): their figures add up.
			for (const m of s.models) g.inc({ model: m.id }, pick(m));
		});
	perModel('llm_manager_model_active_requests', 'Requests generating on a loaded model.', (m) => m.active);
	perModel('llm_manager_model_queued_requests', 'Requests waiting for a free sequence of a loaded model (queue depth).', (m) => m.queued);
	perModel('llm_manager_model_memory_bytes', 'Memory one loaded model takes (estimated).', (m) => m.memoryBytes);

	const downloadGauge = (name: string, help: string, pick: (row: { count: number; bytes: number } | undefined) => number) =>
		new Gauge({
			name,
			help,
			labelNames: ['status'],
			registers,
			async collect() {
				const totals = await downloadTotals();
				for (const status of DOWNLOAD_STATUSES) this.set({ status }, pick(totals.find((t) => t.status === status)));
			}
		});
	const backendGauge = (name: string, help: string, pick: (b: BackendStatus) => number | null) =>
		new Gauge({
			name,
			help,
			labelNames: ['backend'],
			registers,
			collect() {
				this.reset();
				for (const b of backendStatuses()) {
					const value = b.enabled ? pick(b) : null;
					if (value !== null) this.set({ backend: b.name }, value);
				}
			}
		});
	backendGauge('llm_manager_backend_up', 'Whether an enabled remote backend answered its latest request or check (1) or not (0).', (b) => (b.up ? 1 : 0));
	backendGauge('llm_manager_backend_in_flight_requests', 'Requests being proxied to a remote backend.', (b) => b.inFlight);
	backendGauge('llm_manager_backend_queued_requests', "Requests waiting for a slot under a remote backend's max_concurrent.", (b) => b.queued);
	backendGauge('llm_manager_backend_latency_seconds', "Latest time to a remote backend's answer headers.", (b) => (b.latencyMs === null ? null : b.latencyMs / 1000));

	downloadGauge('llm_manager_downloads', 'Downloads by status; pending, downloading and paused ones are active.', (row) => row?.count ?? 0);
	downloadGauge(
		'llm_manager_download_bytes',
		'Bytes received by downloads, by status (saved every few seconds while running).',
		(row) => Number(row?.bytes ?? 0)
	);

	new Gauge({
		name: 'llm_manager_audit_queue_rows',
		help: 'Audit rows recorded but not yet written to the database (the recorder backlog).',
		registers,
		collect() {
			this.set(getAuditRecorder().queued);
		}
	});
	new Counter({
		name: 'llm_manager_audit_dropped_rows_total',
		help: 'Audit rows dropped because the backlog was full.',
		registers,
		collect() {
			this.reset();
			this.inc(getAuditRecorder().dropped);
		}
	});
	return true;
}

export function registerStateMetrics(): void {
	singleton('metrics-state', createStateMetrics);
}
