/**
 * `/v1` request metrics, fed by the audit recorder (every `/v1` request reports there once, when it
 * really ends) and by the lease wait. Labelled by model, endpoint, backend (`local` or a remote backend's name) and status; by user only when
 * `LLM_MANAGER_METRICS_PER_USER` is on, and never on histograms (buckets × users is too many series).
 */
import { Counter, Histogram } from 'prom-client';
import type { AuditRecordInput } from '../audit/record';
import { getConfig } from '../config';
import { singleton } from '../http/singleton';
import { LabelBound, getRegistry } from './registry';

const SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

function createRequestMetrics() {
	const registers = [getRegistry()];
	const perUser = getConfig().metricsPerUser;
	const withUser = (labels: string[]) => (perUser ? [...labels, 'user'] : labels);
	return {
		perUser,
		models: new LabelBound(100),
		users: new LabelBound(1000),
		backends: new LabelBound(100),
		requests: new Counter({
			name: 'llm_manager_requests_total',
			help: 'Finished /v1 requests by model, endpoint and outcome (success, error, timeout, cancelled).',
			labelNames: withUser(['model', 'endpoint', 'backend', 'status']),
			registers
		}),
		errors: new Counter({
			name: 'llm_manager_request_errors_total',
			help: 'Failed /v1 requests by model, endpoint and error code.',
			labelNames: withUser(['model', 'endpoint', 'backend', 'code']),
			registers
		}),
		promptTokens: new Counter({
			name: 'llm_manager_prompt_tokens_total',
			help: 'Prompt (input) tokens of /v1 requests.',
			labelNames: withUser(['model', 'endpoint', 'backend']),
			registers
		}),
		completionTokens: new Counter({
			name: 'llm_manager_completion_tokens_total',
			help: 'Completion (output) tokens of /v1 requests.',
			labelNames: withUser(['model', 'endpoint', 'backend']),
			registers
		}),
		duration: new Histogram({
			name: 'llm_manager_request_duration_seconds',
			help: 'Duration of /v1 requests, from arrival to the last byte.',
			labelNames: ['model', 'endpoint', 'backend', 'status'],
			buckets: SECONDS,
			registers
		}),
		ttft: new Histogram({
			name: 'llm_manager_time_to_first_token_seconds',
			help: 'Time from arrival to the first generated token.',
			labelNames: ['model', 'endpoint', 'backend'],
			buckets: SECONDS,
			registers
		}),
		queueWait: new Histogram({
			name: 'llm_manager_queue_wait_seconds',
			help: 'Time a /v1 request waited for its model: loading it and a free sequence.',
			labelNames: ['model'],
			buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
			registers
		})
	};
}

export function requestMetrics() {
	return singleton('metrics-requests', createRequestMetrics);
}

/** A request that never named a usable model is counted under one value, not under what it sent. */
function modelLabel(input: Pick<AuditRecordInput, 'model' | 'errorType'>): string {
	if (!input.model) return 'none';
	if (input.errorType === 'model_not_found' || input.errorType === 'invalid_request_error') return 'unknown';
	return requestMetrics().models.value(input.model);
}

/** Counts one finished `/v1` request. */
export function observeRequest(input: AuditRecordInput): void {
	const m = requestMetrics();
	const model = modelLabel(input);
	const user = m.perUser ? { user: m.users.value(input.caller?.user.email ?? 'anonymous') } : {};
	const base = { model, endpoint: input.endpoint, backend: input.backend ? m.backends.value(input.backend) : 'local' };
	m.requests.inc({ ...base, status: input.status, ...user });
	if (input.status !== 'success') m.errors.inc({ ...base, code: input.errorType ?? input.status, ...user });
	if (input.promptTokens) m.promptTokens.inc({ ...base, ...user }, input.promptTokens);
	if (input.completionTokens) m.completionTokens.inc({ ...base, ...user }, input.completionTokens);
	m.duration.observe({ ...base, status: input.status }, Math.max(0, input.durationMs) / 1000);
	if (input.ttftMs != null) m.ttft.observe(base, Math.max(0, input.ttftMs) / 1000);
}

/** Records how long a request waited for its lease (loading and queueing). */
export function observeQueueWait(modelId: string, seconds: number): void {
	requestMetrics().queueWait.observe({ model: requestMetrics().models.value(modelId) }, seconds);
}
