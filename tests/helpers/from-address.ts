/**
 * Requests with what `fetch` will not send: from another loopback address (127.0.0.2, 127.0.0.3…: on
 * Linux the whole 127/8 is the loopback interface), so that tests can be several clients without
 * trusting forwarded headers, or with a `Host` header of the test's choosing.
 */
import http from 'node:http';
import { readResponse } from './server';

export type RawOptions = { localAddress?: string; headers?: Record<string, string>; body?: unknown };

export async function rawCall(
	server: { url: string },
	method: string,
	pathname: string,
	options: RawOptions = {}
): Promise<{ status: number; body: any; headers: Headers }> {
	const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
	const headers = { ...(payload ? { 'content-type': 'application/json' } : {}), ...options.headers };
	return new Promise((resolve, reject) => {
		const req = http.request(`${server.url}${pathname}`, { method, localAddress: options.localAddress, headers }, (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (c: Buffer) => chunks.push(c));
			res.on('end', () => {
				const received = new Headers();
				for (const [k, v] of Object.entries(res.headers)) {
					for (const value of Array.isArray(v) ? v : v === undefined ? [] : [v]) received.append(k, value);
				}
				const status = res.statusCode ?? 0;
				const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
				resolve(readResponse(new Response(body, { status, headers: received })));
			});
			res.on('error', reject);
		});
		req.on('error', reject);
		req.end(payload);
	});
}

/** A JSON request sent from another loopback address. */
export function callFrom(localAddress: string, server: { url: string }, method: string, pathname: string, body?: unknown) {
	return rawCall(server, method, pathname, { localAddress, body });
}
