import { describe, expect, it } from 'vitest';
import type { RequestEvent } from '@sveltejs/kit';
import { eventBody } from './event-body';

const event = (platform?: unknown, url = 'http://localhost/v1/chat/completions') =>
	({ platform, url: new URL(url), request: new Request(url) }) as unknown as RequestEvent;

async function readAll(body: ReadableStream<Uint8Array>): Promise<string> {
	return new Response(body).text();
}

describe('eventBody', () => {
	it('without the Node response, carries every write in order in the body, writes before the first read included', async () => {
		const out = eventBody(event(), () => {});
		out.write('data: 1\n\n');
		out.write('data: 2\n\n');
		const text = readAll(out.body);
		out.write('data: 3\n\n');
		out.close();
		out.write('data: late\n\n');
		expect(await text).toBe('data: 1\n\ndata: 2\n\ndata: 3\n\n');
	});

	it('writes straight to the Node response once its headers are sent; the body only carries the end', async () => {
		const written: string[] = [];
		const res = { headersSent: true, writableEnded: false, destroyed: false, write: (t: string) => written.push(t) };
		const req = { url: '/v1/chat/completions', [Symbol.for('llm-manager.node-response')]: res };
		const out = eventBody(event({ req }), () => {});
		out.write('data: early\n\n');
		const text = readAll(out.body);
		await Promise.resolve();
		out.write('data: next\n\n');
		out.close();
		expect(await text).toBe('');
		expect(written).toEqual(['data: early\n\n', 'data: next\n\n']);
	});

	it('ignores the Node response of another request (a request the app runs inside another)', async () => {
		const written: string[] = [];
		const res = { headersSent: true, writableEnded: false, destroyed: false, write: (t: string) => written.push(t) };
		const req = { url: '/api/conversations/1/generate', [Symbol.for('llm-manager.node-response')]: res };
		// The outer event with an inner request, as the chat page's generation builds it.
		const outer = event({ req }, 'http://localhost/api/conversations/1/generate');
		const inner = Object.create(outer, { request: { value: new Request('http://localhost/v1/chat/completions') } });
		const out = eventBody(inner, () => {});
		out.write('data: x\n\n');
		out.close();
		expect(await readAll(out.body)).toBe('data: x\n\n');
		expect(written).toEqual([]);
	});

	it('tells its owner when the client cancels, and drops later writes', async () => {
		let cancelled = false;
		const out = eventBody(event(), () => (cancelled = true));
		await out.body.cancel();
		out.write('data: after\n\n');
		expect(cancelled).toBe(true);
		expect(out.closed).toBe(true);
	});
});
