import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { openRawSocket } from '../../../../tests/helpers/raw-ws';
import type { Caller } from '../auth/types';
import { getDb, schema } from '../db';
import { getRealtimeHub } from '../realtime/hub';
import { acceptSocket } from '../realtime/upgrade';
import type { AuditLogEntry, AuditSocketMessage } from '$lib/types/audit';
import { startLiveFeed } from './live';
import { AuditRecorder } from './record';
import { callerFor, fakeRow, useTempDatabase } from './testing';

const callers: Record<string, Caller> = { admin: callerFor('admin', true), alice: callerFor('alice'), bob: callerFor('bob') };
let server: http.Server;
let url: string;
const recorder = new AuditRecorder({ flushDelayMs: 2 });

beforeAll(async () => {
	await useTempDatabase();
	await getDb()
		.insert(schema.auditLogs)
		.values(Array.from({ length: 150 }, (_, i) => fakeRow({ userId: i % 3 ? 'alice' : 'bob' })));
	startLiveFeed(recorder, getRealtimeHub());
	const wss = new WebSocketServer({ noServer: true });
	server = http.createServer();
	server.on('upgrade', (req, socket, head) => {
		const who = new URL(req.url!, 'http://x').searchParams.get('as')!;
		wss.handleUpgrade(req, socket, head, (ws) => acceptSocket(ws, callers[who]));
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(() => {
	getRealtimeHub().shutdown();
	server.close();
});

/** A reading client that collects every message. */
async function connect(who: string) {
	const messages: AuditSocketMessage[] = [];
	const ws = new WebSocket(`${url}?as=${who}`);
	ws.on('message', (data) => messages.push(JSON.parse(String(data))));
	await new Promise((r) => ws.once('open', r));
	const logs = () => messages.filter((m) => m.type === 'log').map((m) => (m as { data: AuditLogEntry }).data);
	const waitFor = async (pred: () => boolean) => {
		for (let i = 0; i < 2000 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
		expect(pred()).toBe(true);
	};
	return { ws, messages, logs, waitFor };
}

const input = (user: Caller, requestId: string) => ({
	requestId,
	startedAt: new Date(),
	caller: user,
	model: 'test/tiny',
	endpoint: '/v1/chat/completions',
	status: 'success' as const,
	durationMs: 5
});

describe('live audit feed', () => {
	it('sends hello, the last 100 visible rows oldest first, then new rows as written', async () => {
		const admin = await connect('admin');
		await admin.waitFor(() => admin.logs().length === 100);
		expect(admin.messages[0]).toEqual({ type: 'hello' });
		const ids = admin.logs().map((r) => r.id);
		expect(ids).toEqual(Array.from({ length: 100 }, (_, i) => 51 + i));
		recorder.record(input(callers.bob, 'live-1'));
		await admin.waitFor(() => admin.logs().at(-1)?.request_id === 'live-1');
		admin.ws.close();
	});

	it('shows a non-admin only their own rows, in the backlog and live', async () => {
		const alice = await connect('alice');
		await alice.waitFor(() => alice.logs().length === 100);
		recorder.record(input(callers.bob, 'bob-live'));
		recorder.record(input(callers.alice, 'alice-live'));
		await alice.waitFor(() => alice.logs().at(-1)?.request_id === 'alice-live');
		expect(alice.logs().every((r) => r.user_id === 'alice')).toBe(true);
		alice.ws.close();
	});

	it('never duplicates or reorders rows written while the backlog is read', async () => {
		const pending = connect('admin');
		for (let i = 0; i < 20; i++) recorder.record(input(callers.alice, `burst-${i}`));
		const admin = await pending;
		await admin.waitFor(() => admin.logs().some((r) => r.request_id === 'burst-19'));
		const ids = admin.logs().map((r) => r.id);
		expect(new Set(ids).size).toBe(ids.length);
		const burst = admin.logs().filter((r) => r.request_id.startsWith('burst-'));
		expect(burst.map((r) => r.request_id)).toEqual(Array.from({ length: 20 }, (_, i) => `burst-${i}`));
		admin.ws.close();
	});

	it('closes a client that stops reading with 1013 while a fast one gets everything', async () => {
		const hub = getRealtimeHub();
		const fast = await connect('admin');
		const slow = await openRawSocket(`${url}?as=admin`);
		slow.stopReading();
		await fast.waitFor(() => fast.logs().length >= 100);
		const before = fast.logs().length;
		const big = { ...fast.logs()[0], error_message: 'x'.repeat(500) };
		const total = 40_000; // ~30 MB: more than the kernel buffers can hide
		for (let i = 0; i < total; i++) {
			hub.broadcast({ type: 'log', data: { ...big, id: 1_000_000 + i } });
			// Bursts the size of one written batch, like the recorder produces.
			if (i % 200 === 0) await new Promise((r) => setImmediate(r));
		}
		await fast.waitFor(() => fast.logs().length === before + total);
		const { closeCode } = await slow.readUntilClosed();
		expect(closeCode).toBe(1013);
		expect(fast.ws.readyState).toBe(WebSocket.OPEN);
		fast.ws.close();
	}, 60_000);
});
