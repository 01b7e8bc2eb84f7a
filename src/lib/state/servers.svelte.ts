/**
 * Live view of the model pool for the servers page: polls the servers API while the page is visible
 * (every `intervalMs`) and runs the load / unload actions. Each profile gets one row combining its
 * `/api/servers` entry (loaded, loading, or the reason the last load failed) with the loaded model's
 * figures from `/api/servers/models`.
 */
import { ApiError, apiFetch } from '$lib/client/api';
import { isUnreachable, reachability } from '$lib/client/reachability.svelte';
import {
	errorText,
	type EmbeddedStatus,
	type LoadedModel,
	type PoolMemory,
	type Profile,
	type ProfileHealth,
	type ServerEntry
} from '$lib/client/pool';

export type RowState = 'loaded' | 'loading' | 'unloading' | 'failed' | 'idle';

export type ProfileRow = {
	profile: Profile;
	server: ServerEntry | null;
	model: LoadedModel | null;
	state: RowState;
	/** Why the last load failed. */
	loadError: string | null;
	pinned: boolean;
	keepAliveExpiresAt: string | null;
	/** Set by the last action on this row (e.g. the 409 for a pinned model). */
	message: { kind: 'error' | 'ok'; text: string; pinnedConflict?: boolean } | null;
};

/** Profiles are re-read every Nth tick (they change rarely; a profile created elsewhere shows up). */
const PROFILES_EVERY = 5;

function stateOf(server: ServerEntry | null, health: ProfileHealth | undefined, starting: boolean): RowState {
	const status = server?.health_status ?? (health?.model_loaded ? 'healthy' : health?.loading ? 'loading' : health?.error ? 'error' : null);
	if (status === 'healthy') return 'loaded';
	if (status === 'loading') return 'loading';
	if (status === 'unloading') return 'unloading';
	if (status === 'error') return starting ? 'loading' : 'failed';
	if (starting) return 'loading';
	return server ? 'loaded' : 'idle';
}

export class ServersState {
	profiles: Profile[] = $state([]);
	servers: ServerEntry[] = $state([]);
	models: LoadedModel[] = $state([]);
	memory: PoolMemory | null = $state(null);
	embedded: EmbeddedStatus | null = $state(null);
	/** Health of profiles with a start in flight that `/api/servers` does not list yet. */
	health: Record<string, ProfileHealth> = $state({});
	messages: Record<string, ProfileRow['message']> = $state({});
	/** Profiles with a start or stop in flight (buttons disabled). */
	pending: Record<string, 'start' | 'stop'> = $state({});
	error = $state('');
	loaded = $state(false);
	/** Wall clock for countdowns, advanced every second. */
	now = $state(Date.now());
	readonly intervalMs: number;

	#tick = 0;
	#timer: ReturnType<typeof setInterval> | null = null;
	#clock: ReturnType<typeof setInterval> | null = null;
	#inFlight = false;

	constructor(intervalMs = 1500) {
		this.intervalMs = intervalMs;
	}

	rows: ProfileRow[] = $derived.by(() =>
		this.profiles.map((profile) => {
			const server = this.servers.find((s) => s.profile_id === profile.id) ?? null;
			const health = server ? undefined : this.health[profile.id];
			const state = stateOf(server, health, this.pending[profile.id] === 'start');
			const model =
				state === 'idle' || state === 'failed'
					? null
					: (this.models.find((m) => (server?.key ? m.key === server.key : m.model_id === profile.model_id)) ?? null);
			return {
				profile,
				server,
				model,
				state,
				loadError: state === 'failed' ? (server?.error ?? health?.error ?? 'unknown error') : null,
				pinned: server?.pinned ?? model?.pinned ?? false,
				keepAliveExpiresAt: server?.keep_alive_expires_at ?? model?.keep_alive_expires_at ?? null,
				message: this.messages[profile.id] ?? null
			};
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
		// Back from an outage: read everything at once instead of waiting for the next tick.
		const stopRecover = reachability.onRecover(() => this.refresh(true));
		this.refresh(true);
		if (document.visibilityState === 'visible') this.#schedule();
		return () => {
			document.removeEventListener('visibilitychange', onVisibility);
			stopRecover();
			this.#unschedule();
		};
	}

	#schedule() {
		this.#timer ??= setInterval(() => this.refresh(), this.intervalMs);
		// Countdowns stand still while the server is unreachable: what they count down is unknown.
		this.#clock ??= setInterval(() => {
			if (reachability.reachable) this.now = Date.now();
		}, 1000);
	}

	#unschedule() {
		if (this.#timer) clearInterval(this.#timer);
		if (this.#clock) clearInterval(this.#clock);
		this.#timer = this.#clock = null;
	}

	async refresh(withProfiles = false): Promise<void> {
		// While the server is unreachable one probe replaces the polling (see reachability).
		if (this.#inFlight || (!reachability.reachable && this.loaded)) return;
		this.#inFlight = true;
		this.#tick++;
		try {
			const [servers, models, memory, embedded, profiles] = await Promise.all([
				apiFetch<ServerEntry[]>('/api/servers'),
				apiFetch<LoadedModel[]>('/api/servers/models'),
				apiFetch<PoolMemory>('/api/servers/memory'),
				apiFetch<EmbeddedStatus>('/api/servers/embedded'),
				withProfiles || this.#tick % PROFILES_EVERY === 0 ? apiFetch<Profile[]>('/api/profiles') : Promise.resolve(this.profiles)
			]);
			this.servers = servers;
			this.models = models;
			this.memory = memory;
			this.embedded = embedded;
			this.profiles = profiles;
			await this.#settlePending();
			this.error = '';
		} catch (err) {
			// An outage is shown once, by the layout; the page keeps its last state until then.
			if (isUnreachable(err)) this.error = '';
			else this.error = err instanceof ApiError && err.status === 401 ? 'Your session has ended. Sign in again.' : `Could not refresh: ${errorText(err)}`;
		} finally {
			this.#inFlight = false;
			this.loaded = true;
			if (reachability.reachable) this.now = Date.now();
		}
	}

	/** A start is settled once the pool reports the model loaded or failed. */
	async #settlePending() {
		for (const [id, action] of Object.entries(this.pending)) {
			if (action !== 'start') continue;
			const server = this.servers.find((s) => s.profile_id === id);
			let health: ProfileHealth | undefined;
			if (!server) {
				health = await apiFetch<ProfileHealth>(`/api/servers/${encodeURIComponent(id)}/health`).catch(() => undefined);
				if (health) this.health[id] = health;
			}
			const status = server?.health_status ?? (health?.model_loaded ? 'healthy' : health?.loading ? 'loading' : health?.error ? 'error' : 'stopped');
			if (status === 'healthy' || (status === 'error' && !health?.loading)) delete this.pending[id];
		}
		for (const id of Object.keys(this.health)) if (!this.pending[id]) delete this.health[id];
	}

	/** Asks the pool to load the profile's model (202: it loads in the background). */
	async load(profile: Profile): Promise<void> {
		this.messages[profile.id] = null;
		this.pending[profile.id] = 'start';
		try {
			await apiFetch<{ status: string }>(`/api/servers/${encodeURIComponent(profile.id)}/start`, { method: 'POST' });
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
			const res = await apiFetch<{ status: string }>(`/api/servers/${encodeURIComponent(profile.id)}/stop${force ? '?force=true' : ''}`, { method: 'POST' });
			const text = res?.status === 'stopping' ? 'Unloads as soon as its running requests finish.' : 'Unloaded.';
			this.messages[profile.id] = { kind: 'ok', text };
		} catch (err) {
			const pinnedConflict = err instanceof ApiError && err.status === 409;
			this.messages[profile.id] = { kind: 'error', text: errorText(err), pinnedConflict };
		} finally {
			delete this.pending[profile.id];
		}
		await this.refresh();
	}
}
