import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type TransportRequest } from './transport';

class Late extends Error {}

/** Per connection: how many requests it carried. A second request on a connection is refused by closing it. */
let server: http.Server;
let base: string;
let closeReused = false;
const seen: { method: string; body: string; perSocket: number }[] = [];

beforeAll(async () => {
	const counts = new WeakMap<object, number>();
	server = http.createServer((req, res) => {
		const n = (counts.get(req.socket) ?? 0) + 1;
		counts.set(req.socket, n);
		if (closeReused && n > 1) return void req.socket.destroy();
		let body = '';
		req.on('data', (d) => (body += d));
		req.on('end', () => {
			seen.push({ method: req.method!, body, perSocket: n });
			if (req.url === '/redirect') return void res.writeHead(302, { location: '/elsewhere' }).end();
			if (req.url === '/slow-headers') return void setTimeout(() => res.end('late'), 2000);
			if (req.url === '/pieces') {
				res.writeHead(200, { 'content-type': 'text/event-stream' });
				res.write('data: 1\n\n');
				return void setTimeout(() => res.end('data: 2\n\n'), 20);
			}
			if (req.url === '/stream') {
				res.writeHead(200, { 'content-type': 'text/event-stream', 'x-multi': ['a', 'b'] });
				return void res.write('data: 1\n\n'); // and never ends
			}
			res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ echo: body }));
		});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
	server.closeAllConnections();
	await new Promise((r) => server.close(r));
});

const post = (extra: Partial<TransportRequest> = {}): TransportRequest => ({
	method: 'POST',
	headers: { 'content-type': 'application/json' },
	body: '{"model":"m"}',
	timeoutMs: 5000,
	onTimeout: () => new Late(),
	...extra
});

describe('backend transport', () => {
	it('sends the body with its length, reuses the connection, and reads the answer as text', async () => {
		seen.length = 0;
		const first = await request(`${base}/echo`, post());
		expect(first.ok).toBe(true);
		expect(JSON.parse(await first.text())).toEqual({ echo: '{"model":"m"}' });
		const second = await request(`${base}/echo`, post({ body: '{"ü":1}' }));
		expect(JSON.parse(await second.text())).toEqual({ echo: '{"ü":1}' });
		expect(seen.map((s) => s.perSocket)).toEqual([1, 2]);
	});

	it('sends a request again on a new connection when the kept-alive one was closed by the server', async () => {
		await (await request(`${base}/echo`, post())).text(); // leaves a connection in the pool
		closeReused = true;
		try {
			seen.length = 0;
			const res = await request(`${base}/echo`, post({ body: '{"again":true}' }));
			expect(JSON.parse(await res.text())).toEqual({ echo: '{"again":true}' });
			expect(seen).toEqual([{ method: 'POST', body: '{"again":true}', perSocket: 1 }]);
		} finally {
			closeReused = false;
		}
	});

	it('does not follow redirects', async () => {
		const res = await request(`${base}/redirect`, post({ method: 'GET', body: undefined }));
		expect(res.status).toBe(302);
		expect(res.ok).toBe(false);
		expect(res.headers.get('Location')).toBe('/elsewhere');
		await res.text();
	});

	it('gives up with the timeout error when the headers do not come in time', async () => {
		await expect(request(`${base}/slow-headers`, post({ timeoutMs: 100 }))).rejects.toBeInstanceOf(Late);
	});

	it('an abort after the headers ends the body with the reason; headers are read case-insensitively', async () => {
		const controller = new AbortController();
		const res = await request(`${base}/stream`, post({ signal: controller.signal }));
		expect(res.headers.get('Content-Type')).toBe('text/event-stream');
		expect(res.headers.get('x-multi')).toBe('a, b');
		const pieces: string[] = [];
		const reading = (async () => {
			for await (const piece of res.body) {
				pieces.push(String(piece));
				controller.abort(new Error('client left'));
			}
		})();
		await expect(reading).rejects.toThrow();
		expect(pieces).toEqual(['data: 1\n\n']);
	});

	it('hands each piece of the body over as it arrives, to its end; an abort rejects with the reason', async () => {
		const pieces: string[] = [];
		await (await request(`${base}/pieces`, post())).each((piece) => pieces.push(String(piece)));
		expect(pieces.join('')).toBe('data: 1\n\ndata: 2\n\n');

		const controller = new AbortController();
		const res = await request(`${base}/stream`, post({ signal: controller.signal }));
		const seenPieces: string[] = [];
		const reading = res.each((piece) => {
			seenPieces.push(String(piece));
			controller.abort(new Error('client left'));
		});
		await expect(reading).rejects.toThrow('client left');
		expect(seenPieces).toEqual(['data: 1\n\n']);
	});

	it('refuses an aborted signal and a protocol other than http(s) without sending anything', async () => {
		seen.length = 0;
		const controller = new AbortController();
		controller.abort(new Error('already gone'));
		await expect(request(`${base}/echo`, post({ signal: controller.signal }))).rejects.toThrow('already gone');
		await expect(request('ftp://127.0.0.1/x', post())).rejects.toThrow(/unsupported protocol/);
		expect(seen).toEqual([]);
	});
});
