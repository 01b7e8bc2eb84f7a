/**
 * A small stand-in for a remote inference server (OpenAI- or Anthropic-shaped) whose failures a test
 * sets: a status to answer with, or hanging until the client gives up. It records what it received.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Mode = { kind: 'ok' } | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> } | { kind: 'hang' } | { kind: 'break' } | { kind: 'held' };
export type Received = { method: string; path: string; headers: http.IncomingHttpHeaders; body: any };

export type FakeUpstream = {
	url: string;
	/** Base URL as configured on a backend (`/v1` for OpenAI-compatible, none for Anthropic). */
	baseUrl: string;
	received: Received[];
	/** Requests that arrived and whose connection later closed before an answer ended. */
	closedEarly: () => number;
	setMode: (mode: Mode) => void;
	/** In `held` mode: sends the rest of the stream that is waiting after its first event. */
	release: () => void;
	close: () => Promise<void>;
};

const sse = (res: http.ServerResponse, events: { event?: string; data: unknown }[]) => {
	res.writeHead(200, { 'content-type': 'text/event-stream' });
	for (const e of events) res.write(`${e.event ? `event: ${e.event}\n` : ''}data: ${typeof e.data === 'string' ? e.data : JSON.stringify(e.data)}\n\n`);
	res.end();
};

function openAi(req: Received, res: http.ServerResponse, name: string) {
	if (req.path === '/v1/models') return json(res, { object: 'list', data: [{ id: `${name}-model`, object: 'model' }] });
	const model = req.body?.model;
	if (req.path === '/v1/chat/completions') {
		const text = `hello from ${name}`;
		const usage = { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 };
		if (!req.body?.stream) {
			return json(res, { id: 'c1', object: 'chat.completion', created: 1, model, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage });
		}
		const chunk = (delta: object, finish: string | null = null) => ({ id: 'c1', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] });
		return sse(res, [
			{ data: chunk({ role: 'assistant', content: '' }) },
			...text.split(' ').map((w, i) => ({ data: chunk({ content: i ? ` ${w}` : w }) })),
			{ data: chunk({}, 'stop') },
			...(req.body?.stream_options?.include_usage ? [{ data: { id: 'c1', object: 'chat.completion.chunk', created: 1, model, choices: [], usage } }] : []),
			{ data: '[DONE]' }
		]);
	}
	json(res, { error: { message: 'not here' } }, 404);
}

function anthropic(req: Received, res: http.ServerResponse, name: string, key: string) {
	if (req.headers['x-api-key'] !== key || !req.headers['anthropic-version']) {
		return json(res, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }, 401);
	}
	if (req.path === '/v1/models') return json(res, { data: [{ id: 'claude-fake-1', type: 'model' }], has_more: false });
	if (req.path !== '/v1/messages') return json(res, { type: 'error', error: { type: 'not_found_error', message: 'not here' } }, 404);
	const model = req.body.model;
	const usage = { input_tokens: 11, output_tokens: 4, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
	const text = `bonjour de ${name}`;
	if (!req.body.stream) {
		return json(res, { id: 'msg_1', type: 'message', role: 'assistant', model, content: [{ type: 'text', text }], stop_reason: 'end_turn', stop_sequence: null, usage });
	}
	sse(res, [
		{ event: 'message_start', data: { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model, content: [], usage: { ...usage, output_tokens: 1 } } } },
		{ event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
		...text.split(' ').map((w, i) => ({ event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: i ? ` ${w}` : w } } })),
		{ event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
		{ event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 4 } } },
		{ event: 'message_stop', data: { type: 'message_stop' } }
	]);
}

function json(res: http.ServerResponse, body: unknown, status = 200) {
	res.writeHead(status, { 'content-type': 'application/json' });
	res.end(JSON.stringify(body));
}

export async function startFakeUpstream(options: { name: string; kind?: 'openai' | 'anthropic'; key?: string }): Promise<FakeUpstream> {
	const received: Received[] = [];
	let mode: Mode = { kind: 'ok' };
	let closedEarly = 0;
	const held: (() => void)[] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			const text = Buffer.concat(chunks).toString('utf8');
			let body: any = null;
			try {
				body = text ? JSON.parse(text) : null;
			} catch {
				body = text;
			}
			const r: Received = { method: req.method ?? '', path: (req.url ?? '').split('?')[0], headers: req.headers, body };
			received.push(r);
			res.on('close', () => {
				if (!res.writableFinished) closedEarly++;
			});
			if (mode.kind === 'hang') return;
			if (mode.kind === 'status') {
				for (const [k, v] of Object.entries(mode.headers ?? {})) res.setHeader(k, v);
				return json(res, mode.body ?? { error: { message: `failing with ${mode.status}` } }, mode.status);
			}
			if (mode.kind === 'held') {
				// The first event now, the rest only when the test says so.
				const chunk = (content: string, finish: string | null = null) =>
					`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;
				res.writeHead(200, { 'content-type': 'text/event-stream' });
				res.write(chunk('first'));
				held.push(() => res.end(chunk(' rest', 'stop') + 'data: [DONE]\n\n'));
				return;
			}
			if (mode.kind === 'break') {
				// A stream that starts, then the connection drops.
				res.writeHead(200, { 'content-type': 'text/event-stream' });
				res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'partial' }, finish_reason: null }] })}\n\n`);
				return setTimeout(() => res.socket?.destroy(), 50);
			}
			if (options.kind === 'anthropic') anthropic(r, res, options.name, options.key ?? '');
			else openAi(r, res, options.name);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		url,
		baseUrl: options.kind === 'anthropic' ? url : `${url}/v1`,
		received,
		closedEarly: () => closedEarly,
		setMode: (m) => (mode = m),
		release: () => held.splice(0).forEach((send) => send()),
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}
