/**
 * A WebSocket client on a raw TCP socket: it completes the handshake and can then stop reading, the
 * way a stuck or very slow client does, which a real WebSocket library cannot imitate.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';

export type RawSocket = {
	socket: net.Socket;
	/** Stops reading: the kernel buffers fill and the server must decide what to do. */
	stopReading: () => void;
	/** Reads again and resolves with the close code the server sent (null if the connection ended without one). */
	readUntilClosed: (timeoutMs?: number) => Promise<{ closeCode: number | null; messages: number }>;
};

export async function openRawSocket(url: string, headers: Record<string, string> = {}): Promise<RawSocket> {
	const { hostname, port, pathname, search } = new URL(url);
	const socket = net.connect(Number(port), hostname);
	await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
	const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
	socket.write(
		`GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
			`Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`
	);
	let buffer = Buffer.alloc(0);
	await new Promise<void>((resolve, reject) => {
		const onData = (chunk: Buffer) => {
			buffer = Buffer.concat([buffer, chunk]);
			const end = buffer.indexOf('\r\n\r\n');
			if (end < 0) return;
			socket.off('data', onData);
			const head = buffer.subarray(0, end).toString();
			buffer = buffer.subarray(end + 4);
			if (!head.startsWith('HTTP/1.1 101')) reject(new Error(`handshake refused: ${head.split('\r\n')[0]}`));
			else resolve();
		};
		socket.on('data', onData);
	});
	socket.pause();

	return {
		socket,
		stopReading: () => socket.pause(),
		readUntilClosed: (timeoutMs = 15_000) =>
			new Promise((resolve) => {
				let messages = 0;
				const finish = (closeCode: number | null) => {
					clearTimeout(timer);
					socket.removeAllListeners('data');
					socket.destroy();
					resolve({ closeCode, messages });
				};
				const timer = setTimeout(() => finish(null), timeoutMs);
				const parse = () => {
					for (;;) {
						if (buffer.length < 2) return;
						const opcode = buffer[0] & 0x0f;
						let length = buffer[1] & 0x7f;
						let offset = 2;
						if (length === 126) {
							if (buffer.length < 4) return;
							length = buffer.readUInt16BE(2);
							offset = 4;
						} else if (length === 127) {
							if (buffer.length < 10) return;
							length = Number(buffer.readBigUInt64BE(2));
							offset = 10;
						}
						if (buffer.length < offset + length) return;
						const payload = buffer.subarray(offset, offset + length);
						buffer = buffer.subarray(offset + length);
						if (opcode === 8) return finish(payload.length >= 2 ? payload.readUInt16BE(0) : null);
						if (opcode === 1) messages++;
					}
				};
				socket.on('data', (chunk: Buffer) => {
					buffer = Buffer.concat([buffer, chunk]);
					parse();
				});
				socket.once('close', () => finish(null));
				parse();
				socket.resume();
			})
	};
}
