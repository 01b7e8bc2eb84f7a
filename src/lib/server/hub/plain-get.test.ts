import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubNotFoundError } from './client';
import { PlainGetUnsupported, plainGet, type BodyTarget } from './plain-get';

const body = crypto.randomBytes(3 * 1024 * 1024 + 17);
let server: http.Server;
let base = '';
/** A raw TCP server whose answer each test sets: `(socket) => …`. */
let raw: net.Server;
let rawBase = '';
let rawAnswer: (socket: net.Socket) => void = (socket) => socket.end();
const seen: http.IncomingHttpHeaders[] = [];

beforeAll(async () => {
	server = http.createServer((req, res) => {
		seen.push(req.headers);
		if (req.url === '/moved') return res.writeHead(302, { location: '/file' }).end('moved');
		if (req.url === '/secure') return res.writeHead(302, { location: 'https://cdn.example/file' }).end();
		if (req.url === '/chunked') return res.writeHead(200).end('a chunked body');
		if (req.url !== '/file') return res.writeHead(404).end();
		const [, a, b] = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '') ?? [];
		const part = a ? body.subarray(Number(a), Number(b) + 1) : body;
		res.writeHead(a ? 206 : 200, { 'content-length': part.length, ...(a ? { 'content-range': `bytes ${a}-${b}/${body.length}` } : {}) });
		res.end(part);
	});
	raw = net.createServer((socket) => socket.once('data', () => rawAnswer(socket)));
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
	base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
	rawBase = `http://127.0.0.1:${(raw.address() as net.AddressInfo).port}`;
});
afterAll(() => {
	server.close();
	raw.close();
});

/** Collects what it is given, taking at most `most` bytes per call and `ready` after a timer when it stops short. */
function collector(most = Infinity) {
	const parts: Buffer[] = [];
	const target: BodyTarget = {
		take(chunk) {
			const n = Math.min(chunk.length, most);
			parts.push(Buffer.from(chunk.subarray(0, n)));
			return n;
		},
		ready: () => new Promise((r) => setTimeout(r, 1))
	};
	return { target, bytes: () => Buffer.concat(parts) };
}

const get = (url: string, headers: Record<string, string> = {}, signal?: AbortSignal) =>
	plainGet(url, { headers, signal, readBuffer: Buffer.alloc(16 * 1024), timeoutMs: 5000 });

describe('plainGet', () => {
	it('reads a range byte for byte, with its status and headers', async () => {
		const res = await get(`${base}/file`, { range: 'bytes=1000-2999999' });
		expect(res.status).toBe(206);
		expect(res.headers['content-range']).toBe(`bytes 1000-2999999/${body.length}`);
		const into = collector();
		await res.pipe(into.target);
		expect(into.bytes().equals(body.subarray(1000, 3_000_000))).toBe(true);
		expect(seen.at(-1)).toMatchObject({ range: 'bytes=1000-2999999', connection: 'close' });
	});

	it('waits while the target is full and loses nothing', async () => {
		const res = await get(`${base}/file`);
		const into = collector(5000);
		await res.pipe(into.target);
		expect(into.bytes().equals(body)).toBe(true);
	});

	it('follows a redirect and tells where it ended', async () => {
		const res = await get(`${base}/moved`);
		expect(res.url).toBe(`${base}/file`);
		const into = collector();
		await res.pipe(into.target);
		expect(into.bytes().length).toBe(body.length);
	});

	it('hands https hops and chunked bodies back to the stream client, with the address to go on at', async () => {
		await expect(get(`${base}/secure`)).rejects.toEqual(expect.objectContaining({ url: 'https://cdn.example/file' }));
		await expect(get(`${base}/chunked`)).rejects.toBeInstanceOf(PlainGetUnsupported);
		await expect(get('https://cdn.example/file')).rejects.toBeInstanceOf(PlainGetUnsupported);
	});

	it('maps statuses like the stream client', async () => {
		await expect(get(`${base}/missing`)).rejects.toBeInstanceOf(HubNotFoundError);
	});

	it('reads a head that arrives a few bytes at a time, and a body that lasts until the connection closes', async () => {
		rawAnswer = (socket) => {
			const text = 'HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-9/10\r\nX-Long: ' + 'y'.repeat(3000) + '\r\n\r\n0123456789';
			let at = 0;
			const step = () => {
				if (at >= text.length) return socket.end();
				socket.write(text.slice(at, (at += 7)));
				setImmediate(step);
			};
			step();
		};
		const res = await get(`${rawBase}/f`);
		expect(res.headers['content-range']).toBe('bytes 0-9/10');
		const into = collector();
		await res.pipe(into.target);
		expect(into.bytes().toString()).toBe('0123456789');
	});

	it('fails a body cut short of its length, and a head that is not HTTP', async () => {
		rawAnswer = (socket) => socket.end('HTTP/1.1 206 Partial Content\r\nContent-Length: 100\r\n\r\nonly this');
		const res = await get(`${rawBase}/f`);
		await expect(res.pipe(collector().target)).rejects.toThrow(/closed before the body ended/);
		rawAnswer = (socket) => socket.end('SSH-2.0-OpenSSH\r\n\r\n');
		await expect(get(`${rawBase}/f`)).rejects.toThrow(/not an HTTP/);
	});

	it('stops at the length announced, whatever follows', async () => {
		rawAnswer = (socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcdEXTRA');
		const res = await get(`${rawBase}/f`);
		const into = collector();
		await res.pipe(into.target);
		expect(into.bytes().toString()).toBe('abcd');
	});

	it('ends with the abort reason, and refuses a header with a line break', async () => {
		rawAnswer = (socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc');
		const abort = new AbortController();
		const res = await get(`${rawBase}/f`, {}, abort.signal);
		const piped = res.pipe(collector().target);
		abort.abort(new Error('paused'));
		await expect(piped).rejects.toThrow('paused');
		await expect(get(`${base}/file`, { range: 'bytes=0-1\r\nx-evil: 1' })).rejects.toThrow();
	});

	it('passes on what the target throws, closing the connection', async () => {
		const res = await get(`${base}/file`);
		const refused = new Error('too much');
		await expect(res.pipe({ take: () => { throw refused; }, ready: () => Promise.resolve() })).rejects.toBe(refused);
	});
});
