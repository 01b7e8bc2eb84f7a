/**
 * The pool settings form (`/api/settings/pool`): memory limit, max models, global keep-alive and the
 * preload list. Saved values apply to the running pool at once.
 */
import { ApiError, apiFetch } from '$lib/client/api';
import { DURATION_PATTERN, errorText, issuesByField, type PoolSettings, type Profile } from '$lib/client/pool';

/** `80%` of RAM/VRAM, or an absolute size such as `48GB` / `512MB` (the server judges the unit). */
export const MEMORY_PATTERN = /^(\d+(\.\d+)?\s*%|\d+(\.\d+)?\s*[a-z]*)$/i;

function memoryHint(text: string): string | null {
	const value = text.trim();
	if (!MEMORY_PATTERN.test(value)) return 'A percentage such as 80% or a size such as 48GB.';
	if (value.endsWith('%') && !(parseFloat(value) > 0 && parseFloat(value) <= 100)) return 'A percentage above 0 and at most 100.';
	if (parseFloat(value) <= 0) return 'Must be more than 0.';
	return null;
}

export class PoolSettingsState {
	current: PoolSettings | null = $state(null);
	profiles: Profile[] = $state([]);
	max_memory = $state('');
	max_models: number | null = $state(null);
	keep_alive = $state('');
	request_timeout = $state('');
	preload: string[] = $state([]);
	serverIssues: Record<string, string> = $state({});
	error = $state('');
	notice = $state('');
	saving = $state(false);

	hints: Record<string, string> = $derived.by(() => {
		const out: Record<string, string> = {};
		const memory = memoryHint(this.max_memory);
		if (memory) out.max_memory = memory;
		const n = this.max_models;
		if (n === null || n === undefined || !Number.isInteger(n) || n < 1 || n > 64) out.max_models = 'A whole number from 1 to 64.';
		if (!DURATION_PATTERN.test(this.keep_alive.trim())) out.keep_alive = 'A duration such as 30m or 2h; 0 unloads after each request; -1 never unloads.';
		if (!DURATION_PATTERN.test(this.request_timeout.trim())) out.request_timeout = 'A duration such as 10m or 90s; 0 means no limit.';
		return out;
	});

	messageFor(field: string): string {
		return this.serverIssues[field] ?? this.hints[field] ?? '';
	}

	async load(): Promise<void> {
		try {
			const [settings, profiles] = await Promise.all([apiFetch<PoolSettings>('/api/settings/pool'), apiFetch<Profile[]>('/api/profiles')]);
			this.#apply(settings);
			this.profiles = profiles;
			this.error = '';
		} catch (err) {
			this.error = `Could not load the pool settings: ${errorText(err)}`;
		}
	}

	#apply(settings: PoolSettings) {
		this.current = settings;
		this.max_memory = settings.max_memory;
		this.max_models = settings.max_models;
		this.keep_alive = settings.keep_alive;
		this.request_timeout = settings.request_timeout;
		this.preload = [...settings.preload];
	}

	togglePreload(id: string, on: boolean): void {
		this.preload = on ? [...new Set([...this.preload, id])] : this.preload.filter((p) => p !== id);
		delete this.serverIssues.preload;
	}

	async save(): Promise<void> {
		this.notice = '';
		this.error = '';
		this.serverIssues = {};
		if (Object.keys(this.hints).length) {
			this.error = 'Please fix the highlighted fields.';
			return;
		}
		this.saving = true;
		try {
			const body = { max_memory: this.max_memory.trim(), max_models: this.max_models, keep_alive: this.keep_alive.trim(), request_timeout: this.request_timeout.trim(), preload: this.preload };
			this.#apply(await apiFetch<PoolSettings>('/api/settings/pool', { method: 'PUT', body }));
			this.notice = 'Saved. The pool uses the new limits now.';
		} catch (err) {
			if (err instanceof ApiError && err.status === 400) this.serverIssues = issuesByField(err);
			this.error = err instanceof ApiError && err.status === 403 ? 'Only administrators can change the pool settings.' : errorText(err);
		} finally {
			this.saving = false;
		}
	}
}
