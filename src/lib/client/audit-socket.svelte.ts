import {
	SOCKET_CLOSE_UNAUTHORIZED,
	type AuditLogEntry,
	type AuditSocketMessage
} from '$lib/types/audit';
import { reachability } from './reachability.svelte';

export type SocketStatus = 'connecting' | 'live' | 'offline' | 'unauthorized';

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

/**
 * The audit page's live connection. Ready only after the server's `hello`; reconnects with
 * exponential back-off (with jitter) after any close except 1008, which means "not signed in".
 */
export class AuditSocket {
	status: SocketStatus = $state('connecting');
	/** Seconds until the next attempt while offline. */
	retryIn: number | null = $state(null);

	#ws: WebSocket | null = null;
	#timer: ReturnType<typeof setTimeout> | null = null;
	#delay = FIRST_RETRY_MS;
	#stopped = false;
	#stopRecover: (() => void) | null = null;

	constructor(
		private readonly onLog: (row: AuditLogEntry) => void,
		private readonly onUnauthorized: () => void
	) {}

	start(): void {
		this.#stopped = false;
		// The server answers again: reconnect now rather than at the end of a long back-off.
		this.#stopRecover ??= reachability.onRecover(() => {
			if (this.#stopped || this.status !== 'offline') return;
			if (this.#timer) clearTimeout(this.#timer);
			this.#delay = FIRST_RETRY_MS;
			this.#connect();
		});
		this.#connect();
	}

	stop(): void {
		this.#stopped = true;
		this.#stopRecover?.();
		this.#stopRecover = null;
		if (this.#timer) clearTimeout(this.#timer);
		this.#ws?.close(1000);
		this.#ws = null;
	}

	#connect(): void {
		this.status = 'connecting';
		this.retryIn = null;
		const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
		const ws = new WebSocket(`${scheme}://${location.host}/api/system/ws/audit-logs`);
		this.#ws = ws;
		ws.onmessage = (event) => {
			let message: AuditSocketMessage;
			try {
				message = JSON.parse(String(event.data));
			} catch {
				return;
			}
			if (message.type === 'hello') {
				this.status = 'live';
				this.#delay = FIRST_RETRY_MS;
			} else if (message.type === 'log') {
				this.onLog(message.data);
			}
		};
		ws.onclose = (event) => {
			if (this.#ws !== ws) return;
			this.#ws = null;
			if (this.#stopped) return;
			if (event.code === SOCKET_CLOSE_UNAUTHORIZED) {
				this.status = 'unauthorized';
				this.onUnauthorized();
				return;
			}
			this.#retry();
		};
	}

	#retry(): void {
		this.status = 'offline';
		// Is the server gone, or only this socket? An outage starts the one probe that notices its end.
		void reachability.check();
		const wait = Math.round(this.#delay * (0.75 + Math.random() * 0.5));
		this.#delay = Math.min(this.#delay * 2, MAX_RETRY_MS);
		this.retryIn = Math.ceil(wait / 1000);
		this.#timer = setTimeout(() => this.#connect(), wait);
	}
}
