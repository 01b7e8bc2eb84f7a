/**
 * The production server: the SvelteKit adapter-node handler on a plain `http` server, plus the
 * WebSocket upgrade handler, plus a clean shutdown. Start with `node build/app-server/index.js`.
 */
import http from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';

type ServerBridge = {
	handleUpgrade: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => Promise<void>;
	closeSockets: () => void;
	shutdown: () => Promise<void>;
};

const here = path.dirname(fileURLToPath(import.meta.url));
const host = process.env.LLM_MANAGER_HOST || '127.0.0.1';
const port = Number(process.env.LLM_MANAGER_PORT || 10242);

// adapter-node builds request URLs from ORIGIN (else it assumes https); derive it from the bind address.
// A bad port is left to the app's configuration check, which stops start-up naming the variable.
if (!process.env.ORIGIN && Number.isInteger(port)) {
	const visibleHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
	process.env.ORIGIN = `http://${visibleHost}:${port}`;
}
process.env.BODY_SIZE_LIMIT ??= String(32 * 1024 * 1024);
process.env.LLM_MANAGER_MIGRATIONS_DIR ??= path.resolve(here, '../../drizzle');

// Importing the handler runs the app's `init` hook (configuration, migrations, recovery).
const { handler } = (await import(path.join(here, '..', 'handler.js'))) as {
	handler: http.RequestListener;
};
const bridge = (globalThis as Record<symbol, unknown>)[Symbol.for('llm-manager.server-bridge')] as
	| ServerBridge
	| undefined;
if (!bridge) throw new Error('The app did not publish its server bridge; was it built?');

// Streaming endpoints write their events straight to the Node response (see
// `src/lib/server/http/node-response.ts`): one socket write per event, no web-stream hop.
const NODE_RESPONSE = Symbol.for('llm-manager.node-response');
const server = http.createServer((req, res) => {
	(req as http.IncomingMessage & Record<symbol, unknown>)[NODE_RESPONSE] = res;
	handler(req, res);
});
// Node closes an idle keep-alive connection after 5 s, which races with clients (and proxies) that
// reuse it just then: the request dies with ECONNRESET. A long idle timeout leaves the closing to
// clients, which advertise `Keep-Alive: timeout` hints and close sooner.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
const upgraded = new Set<Duplex>();

let stopping = false;
server.on('upgrade', (req, socket, head) => {
	if (stopping) return void socket.destroy();
	upgraded.add(socket);
	socket.on('close', () => upgraded.delete(socket));
	bridge.handleUpgrade(req, socket, head).catch(() => socket.destroy());
});

server.listen(port, host, () => {
	const address = server.address();
	const actualPort = typeof address === 'object' && address ? address.port : port;
	console.log(`LLM Manager listening on http://${host}:${actualPort}`);
});

async function stop(signal: string): Promise<void> {
	if (stopping) return;
	stopping = true;
	console.log(`${signal} received, shutting down`);
	const forced = setTimeout(() => {
		console.error('shutdown took too long; exiting');
		process.exit(1);
	}, 15_000);
	forced.unref();
	// Upgraded sockets keep `server.close()` waiting for ever: close them first (1001 "going away"),
	// give clients a moment to answer the close frame, then cut whatever is left.
	bridge!.closeSockets();
	await waitForSockets(500);
	for (const socket of upgraded) socket.destroy();
	// Stop accepting, close idle keep-alive connections and let in-flight requests finish (at most 5 s)
	// before the app's shutdown steps close the pool and the database those requests still use.
	const closed = new Promise<void>((resolve) => server.close(() => resolve()));
	server.closeIdleConnections();
	// A keep-alive connection whose request just finished would otherwise linger until its timeout.
	const idle = setInterval(() => server.closeIdleConnections(), 100);
	const drain = setTimeout(() => server.closeAllConnections(), 5_000);
	await closed;
	clearInterval(idle);
	clearTimeout(drain);
	await bridge!.shutdown();
	process.exit(0);
}

/** Resolves once every upgraded socket has closed, or after `ms`. */
async function waitForSockets(ms: number): Promise<void> {
	const deadline = Date.now() + ms;
	while (upgraded.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
