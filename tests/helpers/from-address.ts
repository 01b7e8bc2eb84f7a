/**
 * Requests sent from another loopback address (127.0.0.2, 127.0.0.3…: on Linux the whole 127/8 is
 * the loopback interface), so that tests can be several clients without trusting forwarded headers.
 */
import http from 'node:http';
import { readResponse } from './server';

export async function callFrom(
	localAddress: string,
	server: { url: string },
	method: string,
	pathname: string,
	body?: unknown
): Promise<{ status: number; body: any; headers: Headers }> {
	const payload = body === undefined ? undefined : JSON.stringify(body);
	return new Promise((resolve, reject) => {
		const req = http.request(
			`${server.url}${pathname}`,
			{ method, localAddress, headers: payload ? { 'content-type': 'application/json' } : {} },
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (c: Buffer) => chunks.push(c));
				res.on('end', () => {
					const headers = new Headers();
					for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
					resolve(readResponse(new Response(Buffer.concat(chunks), { status: res.statusCode, headers })));
				});
				res.on('error', reject);
			}
		);
		req.on('error', reject);
		req.end(payload);
	});
}
