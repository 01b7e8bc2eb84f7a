import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Caller } from '../auth/types';
import { SESSION_COOKIE, bearerFrom, resolveCaller } from '../auth';
import { isAllowedHost } from '../http/hosts';
import { singleton } from '../http/singleton';
import { log } from '../log';
import { SOCKET_CLOSE_UNAUTHORIZED } from '$lib/types/audit';
import { getRealtimeHub, type SocketClient } from './hub';

export const AUDIT_SOCKET_PATH = '/api/system/ws/audit-logs';

/** Called for each accepted audit socket after `hello` (the audit module sends the backlog). */
type ConnectListener = (client: SocketClient) => void;
const connectListeners = singleton('socket-connect-listeners', () => new Set<ConnectListener>());

export function onSocketConnect(listener: ConnectListener): () => void {
	connectListeners.add(listener);
	return () => connectListeners.delete(listener);
}

const wss = () => singleton('wss', () => new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 }));

function cookieValue(header: string | undefined, name: string): string | null {
	for (const part of (header ?? '').split(';')) {
		const [key, ...rest] = part.trim().split('=');
		if (key === name) return decodeURIComponent(rest.join('='));
	}
	return null;
}

/** Browsers always send Origin on WebSockets: a cookie from another site's page is not accepted. */
function sameOrigin(req: IncomingMessage): boolean {
	const origin = req.headers.origin;
	if (!origin) return true;
	try {
		return new URL(origin).host === req.headers.host;
	} catch {
		return false;
	}
}

/**
 * Authenticates an upgrade request **before** accepting it. Refused callers are accepted and closed
 * at once with 1008 (a browser cannot see the status of a refused handshake, only 1006).
 */
export async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
	const url = new URL(req.url ?? '/', 'http://localhost');
	if (!isAllowedHost(req.headers.host)) {
		socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
		return;
	}
	if (url.pathname !== AUDIT_SOCKET_PATH) {
		socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
		return;
	}
	let caller = null;
	try {
		const resolution = await resolveCaller({
			sessionId: sameOrigin(req) ? cookieValue(req.headers.cookie, SESSION_COOKIE) : null,
			bearer: bearerFrom(req.headers.authorization),
			queryToken: url.searchParams.get('token')
		});
		caller = resolution.caller;
	} catch (err) {
		log.error('websocket authentication failed', { error: String(err) });
	}
	wss().handleUpgrade(req, socket, head, (ws) => {
		if (!caller) {
			ws.close(SOCKET_CLOSE_UNAUTHORIZED, 'Unauthorized');
			return;
		}
		acceptSocket(ws, caller);
	});
}

/** Registers an authenticated socket (sends `hello`), then lets each domain greet it. */
export function acceptSocket(ws: WebSocket, caller: Caller): SocketClient {
	const client = getRealtimeHub().add(ws, caller);
	for (const listener of connectListeners) listener(client);
	return client;
}
