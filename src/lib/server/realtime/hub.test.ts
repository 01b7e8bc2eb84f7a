import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { Caller } from '../auth/types';
import { notifySessionEnded, notifyUserChanged, notifyUserEnded } from '../auth/events';
import { RealtimeHub } from './hub';

/** Just enough of a `ws` socket for the hub. */
class FakeSocket {
	readonly OPEN = 1;
	readyState = 1;
	bufferedAmount = 0;
	sent: unknown[] = [];
	closedWith: number | null = null;
	#handlers = new Map<string, (() => void)[]>();

	on(event: string, fn: () => void) {
		this.#handlers.set(event, [...(this.#handlers.get(event) ?? []), fn]);
		return this;
	}
	send(data: string) {
		this.sent.push(JSON.parse(data));
	}
	close(code: number) {
		this.closedWith = code;
		this.readyState = 3;
		for (const fn of this.#handlers.get('close') ?? []) fn();
	}
	terminate() {}
}

let seq = 0;
function caller(userId: string, sessionId: string | null = `s-${++seq}`): Caller {
	return { user: { id: userId, email: `${userId}@example.com`, isAdmin: false }, sessionId, apiKeyId: null, allowedModels: null, method: 'cookie' };
}

function connect(hub: RealtimeHub, c: Caller) {
	const socket = new FakeSocket();
	hub.add(socket as unknown as WebSocket, c);
	return socket;
}

describe('RealtimeHub', () => {
	it('greets a new client with hello and counts it', () => {
		const hub = new RealtimeHub();
		const socket = connect(hub, caller('u1'));
		expect(socket.sent).toEqual([{ type: 'hello' }]);
		expect(hub.size).toBe(1);
		hub.shutdown();
	});

	it('broadcasts to the chosen audience only', () => {
		const hub = new RealtimeHub();
		const a = connect(hub, caller('alice'));
		const b = connect(hub, caller('bob'));
		hub.broadcast({ type: 'ping' }, (c) => c.caller.user.id === 'bob');
		expect(a.sent).toEqual([{ type: 'hello' }]);
		expect(b.sent).toEqual([{ type: 'hello' }, { type: 'ping' }]);
		hub.shutdown();
	});

	it('closes a client that does not keep up with 1013 and keeps serving the others', () => {
		const hub = new RealtimeHub();
		const slow = connect(hub, caller('slow'));
		const fast = connect(hub, caller('fast'));
		slow.bufferedAmount = 2 * 1024 * 1024;
		hub.broadcast({ type: 'ping' });
		expect(slow.closedWith).toBe(1013);
		expect(slow.sent).toEqual([{ type: 'hello' }]);
		expect(fast.sent).toEqual([{ type: 'hello' }, { type: 'ping' }]);
		expect(hub.size).toBe(1);
		hub.shutdown();
	});

	it('closes the sockets of an ended session or user with 1008, and only those', () => {
		const hub = new RealtimeHub();
		const session = caller('carol');
		const sameSession = connect(hub, session);
		const otherSession = connect(hub, caller('carol'));
		const dave = connect(hub, caller('dave'));
		notifySessionEnded(session.sessionId!);
		expect(sameSession.closedWith).toBe(1008);
		expect(otherSession.closedWith).toBeNull();
		notifyUserEnded('carol');
		expect(otherSession.closedWith).toBe(1008);
		expect(dave.closedWith).toBeNull();
		expect(hub.size).toBe(1);
		hub.shutdown();
	});

	it("asks a user's sockets to reconnect (1012) when their role changes, so the feed follows the new role", () => {
		const hub = new RealtimeHub();
		const erin = connect(hub, caller('erin'));
		const frank = connect(hub, caller('frank'));
		notifyUserChanged('erin');
		expect(erin.closedWith).toBe(1012);
		expect(frank.closedWith).toBeNull();
		hub.shutdown();
	});

	it('forgets a client whose socket closed', () => {
		const hub = new RealtimeHub();
		const socket = connect(hub, caller('erin'));
		socket.close(1000);
		expect(hub.size).toBe(0);
		hub.shutdown();
	});

	it('closes every socket with 1001 on shutdown', () => {
		const hub = new RealtimeHub();
		const sockets = [connect(hub, caller('f')), connect(hub, caller('g'))];
		hub.shutdown();
		expect(sockets.map((s) => s.closedWith)).toEqual([1001, 1001]);
		expect(hub.size).toBe(0);
	});
});
