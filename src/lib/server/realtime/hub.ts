import type { WebSocket } from 'ws';
import type { Caller } from '../auth/types';
import { authEvents } from '../auth/events';
import { singleton } from '../http/singleton';
import { log } from '../log';
import {
	SOCKET_CLOSE_TRY_AGAIN_LATER,
	type AuditSocketMessage
} from '$lib/types/audit';

/**
 * Each client's outgoing queue is bounded: bytes it may have unsent (in `ws`, beyond what the kernel
 * holds) before it is judged too slow and closed with 1013.
 */
export const MAX_BUFFERED_BYTES = 1024 * 1024;
const PING_AFTER_SILENCE_MS = 30_000;
/** A closed slow client has this long to read its close frame before its connection is destroyed. */
const CLOSE_GRACE_MS = 5_000;

export type SocketClient = {
	readonly id: number;
	readonly caller: Caller;
	readonly socket: WebSocket;
	lastSentAt: number;
};

/**
 * Registry of accepted WebSocket connections. Sending never waits for a client: a client whose
 * outgoing buffer grows past the limit is closed instead of slowing the server or other clients.
 */
export class RealtimeHub {
	readonly #clients = new Map<number, SocketClient>();
	#nextId = 1;
	#pingTimer: NodeJS.Timeout | null = null;

	constructor() {
		authEvents.on('session-ended', (sid) => this.close((c) => c.caller.sessionId === sid, 1008, 'Session ended'));
		authEvents.on('user-ended', (uid) => this.close((c) => c.caller.user.id === uid, 1008, 'Access revoked'));
		// 1012 ("service restart"): the client reconnects and is authorized afresh with its new role.
		authEvents.on('user-changed', (uid) => this.close((c) => c.caller.user.id === uid, 1012, 'Role changed'));
	}

	/** Registers an accepted socket and greets it with `hello`. */
	add(socket: WebSocket, caller: Caller): SocketClient {
		const client: SocketClient = { id: this.#nextId++, caller, socket, lastSentAt: Date.now() };
		this.#clients.set(client.id, client);
		socket.on('close', () => this.#clients.delete(client.id));
		socket.on('error', () => this.#clients.delete(client.id));
		// Client messages are ignored by design.
		socket.on('message', () => {});
		this.send(client, { type: 'hello' });
		this.#ensurePing();
		return client;
	}

	/**
	 * Sends to one client without waiting for it (a string is sent as already-serialized JSON);
	 * returns false when the client is gone or was dropped for being too slow.
	 */
	send(client: SocketClient, message: AuditSocketMessage | string): boolean {
		const { socket } = client;
		if (socket.readyState !== socket.OPEN || !this.#clients.has(client.id)) return false;
		if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
			this.#clients.delete(client.id);
			log.warn('closing a websocket client that cannot keep up', { client: client.id, user: client.caller.user.id });
			socket.close(SOCKET_CLOSE_TRY_AGAIN_LATER, 'Client too slow');
			// A client that does not read never completes the closing handshake.
			setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
			return false;
		}
		socket.send(typeof message === 'string' ? message : JSON.stringify(message));
		client.lastSentAt = Date.now();
		return true;
	}

	/** Sends to every client for whom `audience` is true; the message is serialized once. */
	broadcast(message: AuditSocketMessage, audience: (client: SocketClient) => boolean = () => true): void {
		const text = JSON.stringify(message);
		for (const client of [...this.#clients.values()]) {
			if (audience(client)) this.send(client, text);
		}
	}

	close(predicate: (client: SocketClient) => boolean, code: number, reason: string): void {
		for (const client of [...this.#clients.values()]) {
			if (!predicate(client)) continue;
			this.#clients.delete(client.id);
			client.socket.close(code, reason);
		}
	}

	get size(): number {
		return this.#clients.size;
	}

	/** Closes every socket (server shutdown). */
	shutdown(): void {
		if (this.#pingTimer) clearInterval(this.#pingTimer);
		this.#pingTimer = null;
		this.close(() => true, 1001, 'Server shutting down');
	}

	#ensurePing(): void {
		if (this.#pingTimer) return;
		this.#pingTimer = setInterval(() => {
			const now = Date.now();
			for (const client of this.#clients.values()) {
				if (now - client.lastSentAt >= PING_AFTER_SILENCE_MS) this.send(client, { type: 'ping' });
			}
		}, 1000);
		this.#pingTimer.unref();
	}
}

export function getRealtimeHub(): RealtimeHub {
	return singleton('realtime-hub', () => new RealtimeHub());
}
