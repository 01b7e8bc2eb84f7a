/**
 * Live view of the model pool for the servers page: polls the servers API while the page is visible
 * (every `intervalMs`), and runs the load / unload actions. Each profile gets one row whose state
 * combines the loaded-server entry, the loaded model's figures and, for profiles not loaded, their
 * health (loading or the reason a load failed).
 */
import { ApiError, apiFetch } from '$lib/client/api';
import { errorText, type EmbeddedStatus, type LoadedModel, type Profile, type ProfileHealth, type ServerEntry } from '$lib/client/pool';

export type ProfileRow = {
	profile: Profile;
	server: ServerEntry | null;
	model: LoadedModel | null;
	health: ProfileHealth | null;
	/** What this row shows: loaded, loading, failed or idle (not loaded). */
	state: 'loaded' | 'loading' | 'failed' | 'idle';
	/** Set by the last action on this row (e.g. the 409 for a pinned model). */
	message: { kind: 'error' | 'ok'; text: string; pinnedConflict?: boolean } | null;
};

/** Health of profiles that are not loaded is checked on every tick while a load is pending, else every Nth tick. */
const IDLE_HEALTH_EVERY = 5;

export class ServersState {
	profiles: Profile[] = $state([]);
	servers: ServerEntry[] = $state([]);
	models: LoadedModel[] = $state([]);
	embedded: EmbeddedStatus | null = $state(null);
	health: Record<string, ProfileHealth> = $state({});
	messages: Record<string, ProfileRow['message']> = $state({});
	/** Profiles with a start or stop in flight (buttons disabled, health polled every tick). */
	pending: Record<string, 'start' | 'stop'> = $state({});
	error = $state('');
	loaded = $state(false);
	/** Wall clock for countdowns, advanced every second. */
	now = $state(Date.now());

	#tick = 0;
	#timer: ReturnType<typeof setInterval> | null = null;
	#clock: ReturnType<typeof setInterval> | null = null;
	#inFlight = false;

	readonly intervalMs: number;

	constructor(intervalMs = 1500) {
		this.intervalMs = intervalMs;
	}

	rows: ProfileRow[] = $derived.by(() =>
		this.profiles.map((profile) => {
			const server = this.servers.find((s) => s.profile_id === profile.id) ?? null;
			const model = this.models.find((m) => m.model_id === (server?.model_id ?? profile.model_id)) ?? null;
			const health = this.health[profile.id] ?? null;
			const loading = this.pending[profile.id] === 'start' || health?.loading === true;
			const state: ProfileRow['state'] = server || health?.model_loaded ? 'loaded' : loading ? 'loading' : health?.error ? 'failed' : 'idle';
			return { profile, server, model: server || health?.model_loaded ? model : null, health, state, message: this.messages[profile.id] ?? null };
		})
	);

	/** Starts polling while the document is visible; returns the cleanup function. */
	start(): () => void {
		const onVisibility = () => {
			if (document.visibilityState === 'visible') {
				this.refresh();
				this.#schedule();
			} else {
				this.#unschedule();
			}
		};
		document.addEventListener('visibilitychange', onVisibility);
		this.refresh(true);
		if (document.visibilityState === 'visible') this.#schedule();
		return () => {
			document.removeEventListener('visibilitychange', onVisibility);
			this.#unschedule();
		};
	}

	#schedule() {
		this.#timer ??= setInterval(() => this.refresh(), this.intervalMs);
		this.#clock ??= setInterval(() => (this.now = Date.now()), 1000);
	}

	#unschedule() {
		if (this.#timer) clearInterval(this.#timer);
		if (this.#clock) clearInterval(this.#clock);
		this.#timer = this.#clock = null;
	}

	async refresh(withProfiles = false): Promise<void> {
		if (this.#inFlight) return;
		this.#inFlight = true;
		this.#tick++;
		try {
			const [servers, models, embedded, profiles] = await Promise.all([
				apiFetch<ServerEntry[]>('/api/servers'),
				apiFetch<LoadedModel[]>('/api/servers/models'),
				apiFetch<EmbeddedStatus>('/api/servers/embedded'),
				withProfiles || this.#tick % IDLE_HEALTH_EVERY === 0 ? apiFetch<Profile[]>('/api/profiles') : Promise.resolve(this.profiles)
			]);
			this.servers = servers;
			this.models = models;
			this.embedded = embedded;
			this.profiles = profiles;
			await this.#refreshHealth(withProfiles);
			this.error = '';
		} catch (err) {
			this.error = err instanceof ApiError && err.status === 401 ? 'Your session has ended. Sign in again.' : `Could not refresh: ${errorText(err)}`;
		} finally {
			this.#inFlight = false;
			this.loaded = true;
			this.now = Date.now();
		}
	}

	async #refreshHealth(all: boolean) {
		const loadedIds = new Set(this.servers.map((s) => s.profile_id));
		const everyone = all || this.#tick % IDLE_HEALTH_EVERY === 0;
		const targets = this.profiles.filter((p) => !loadedIds.has(p.id) && (everyone || this.pending[p.id] || this.health[p.id]?.loading));
		const results = await Promise.all(
			targets.map((p) =>
				apiFetch<ProfileHealth>(`/api/servers/${encodeURIComponent(p.id)}/health`).then(
					(h) => [p.id, h] as const,
					() => null
				)
			)
		);
		for (const result of results) if (result) this.health[result[0]] = result[1];
		for (const id of loadedIds) delete this.health[id];
		// A start is settled once the pool reports the model loaded, loading or failed.
		for (const [id, action] of Object.entries(this.pending)) {
			const h = this.health[id];
			if (action === 'start' && (loadedIds.has(id) || (h && !h.loading && (h.model_loaded || h.error)))) delete this.pending[id];
		}
	}

	/** Asks the pool to load the profile's model (202: it loads in the background). */
	async load(profile: Profile): Promise<void> {
		this.messages[profile.id] = null;
		this.pending[profile.id] = 'start';
		delete this.health[profile.id];
		try {
			const res = await apiFetch<{ status: string }>(`/api/servers/${encodeURIComponent(profile.id)}/start`, { method: 'POST' });
			if (res?.status === 'already_loaded') delete this.pending[profile.id];
		} catch (err) {
			delete this.pending[profile.id];
			this.messages[profile.id] = { kind: 'error', text: errorText(err) };
		}
		await this.refresh();
	}

	/** Unloads the profile's model; `force` (admins) also unloads a pinned one. */
	async unload(profile: Profile, force = false): Promise<void> {
		this.messages[profile.id] = null;
		this.pending[profile.id] = 'stop';
		try {
			await apiFetch(`/api/servers/${encodeURIComponent(profile.id)}/stop${force ? '?force=true' : ''}`, { method: 'POST' });
			this.messages[profile.id] = { kind: 'ok', text: 'Unloaded.' };
		} catch (err) {
			const pinnedConflict = err instanceof ApiError && err.status === 409;
			this.messages[profile.id] = { kind: 'error', text: errorText(err), pinnedConflict };
		} finally {
			delete this.pending[profile.id];
		}
		await this.refresh();
	}
}
