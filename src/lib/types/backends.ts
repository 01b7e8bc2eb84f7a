/** A remote backend on the wire (`/api/backends`): never its API key or header values. */
export type BackendView = {
	id: string;
	name: string;
	kind: 'openai-compatible' | 'anthropic';
	base_url: string;
	api_key: { set: boolean; last4: string | null; unreadable: boolean };
	/** The names of the extra headers. */
	extra_headers: string[];
	prefix: string;
	models: string[];
	discovered_models: string[];
	discovered_at: string | null;
	/** The names `/v1` clients use (`<prefix>/<model>`). */
	served_models: string[];
	timeout_ms: number;
	max_concurrent: number;
	enabled: boolean;
	health: {
		status: 'unknown' | 'up' | 'down';
		consecutive_failures: number;
		latency_ms: number | null;
		in_flight: number;
		queued: number;
		last_error: string | null;
		checked_at: string | null;
	};
	created_at: string;
	updated_at: string;
};

/** `POST /api/backends/[id]/test`. */
export type BackendTestResult = { ok: boolean; reason: string | null; message: string; latency_ms: number | null; models: string[] };

export type RoutingRuleView = {
	id: string;
	match_type: 'exact' | 'prefix' | 'glob' | 'regex';
	pattern: string;
	priority: number;
	backend_id: string;
	backend: string | null;
	target_model: string | null;
	fallback_backend_id: string | null;
	fallback_backend: string | null;
	override_local: boolean;
	enabled: boolean;
	created_at: string;
};

/** `POST /api/routing/test`. */
export type RouteExplanation = {
	model: string;
	target: 'local' | 'remote';
	backend: string | null;
	upstream_model: string | null;
	fallback: string | null;
	rule_id: string | null;
};
