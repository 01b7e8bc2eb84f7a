/**
 * Helpers for the models integration tests: the fake Hub plus the built server pointed at it, and small
 * readers for download status and the progress SSE.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { startFakeHub } from '../fixtures/fake-hub.js';
import { call, signUp, startServer, tempDir, type SignedIn, type StartOptions, type TestServer } from './server';

export type FakeHub = {
	url: string;
	close: () => Promise<void>;
	setMode: (mode: Record<string, unknown> | null, file?: string) => void;
	stats: () => {
		transfers: Record<string, number>;
		bytes_sent: Record<string, number>;
		ranges: Record<string, string[]>;
		open: number;
		max_open: number;
		requests: string[];
		authorized: string[];
	};
	resetStats: () => void;
	addRepo: (repo: { id: string; gated?: boolean; files: { name: string; path?: string; size?: number; sha256?: string | null }[] }) => void;
	repos: Map<string, { files: Map<string, { path?: string; size: number; sha256: string | null }> }>;
};

export async function startHub(): Promise<FakeHub> {
	return startFakeHub({ modelsDir: tempDir('fake-hub-') });
}

export type ModelsEnv = { hub: FakeHub; server: TestServer; admin: SignedIn };

export async function startWithHub(hub: FakeHub, options: StartOptions = {}): Promise<TestServer> {
	return startServer({ ...options, env: { HF_ENDPOINT: hub.url, ...options.env } });
}

export async function startModelsEnv(options: StartOptions = {}): Promise<ModelsEnv> {
	const hub = await startHub();
	const server = await startWithHub(hub, options);
	const admin = await signUp(server, 'admin@example.com');
	return { hub, server, admin };
}

export function sha256(file: string): string {
	return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `/status` until `until(view)` holds; returns the last view. */
export async function waitForStatus(
	server: TestServer,
	token: string,
	taskId: string,
	until: (view: any) => boolean,
	timeoutMs = 45_000
): Promise<any> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const res = await call(server, 'GET', `/api/models/download/${taskId}/status`, { token });
		if (res.status === 200 && until(res.body)) return res.body;
		if (Date.now() > deadline) throw new Error(`timed out waiting; last: ${res.status} ${JSON.stringify(res.body)}`);
		await sleep(100);
	}
}

export const isDone = (v: any) => ['completed', 'failed', 'cancelled'].includes(v.status);

/** Reads a progress SSE to its end (or `maxEvents`); returns the status and the parsed events. */
export async function readProgress(
	server: TestServer,
	taskId: string,
	query = '',
	options: { headers?: Record<string, string>; maxEvents?: number } = {}
): Promise<{ status: number; contentType: string | null; events: any[]; raw: string }> {
	const controller = new AbortController();
	const res = await fetch(`${server.url}/api/models/download/${taskId}/progress${query}`, {
		headers: options.headers,
		signal: controller.signal
	});
	const contentType = res.headers.get('content-type');
	if (!contentType?.startsWith('text/event-stream')) {
		return { status: res.status, contentType, events: [], raw: await res.text() };
	}
	const reader = res.body!.getReader();
	const decoder = new TextDecoder();
	let raw = '';
	const events: any[] = [];
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		raw += decoder.decode(value, { stream: true });
		let end: number;
		while ((end = raw.indexOf('\n\n')) >= 0) {
			const frame = raw.slice(0, end);
			raw = raw.slice(end + 2);
			const data = frame.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
			if (data) events.push(JSON.parse(data));
		}
		if (options.maxEvents && events.length >= options.maxEvents) {
			controller.abort();
			break;
		}
	}
	return { status: res.status, contentType, events, raw };
}

/** A GET whose path is sent exactly as written (fetch would normalise `%2e%2e` and `..`). */
export function rawGet(server: TestServer, rawPath: string, token?: string, method = 'GET'): Promise<{ status: number; body: any }> {
	return new Promise((resolve, reject) => {
		const req = http.request(
			{ host: '127.0.0.1', port: server.port, path: rawPath, method, headers: token ? { authorization: `Bearer ${token}` } : {} },
			(res) => {
				let text = '';
				res.on('data', (d) => (text += d));
				res.on('end', () => {
					let body: any = text;
					try {
						body = text ? JSON.parse(text) : null;
					} catch {
						// not JSON
					}
					resolve({ status: res.statusCode ?? 0, body });
				});
			}
		);
		req.on('error', reject);
		req.end();
	});
}
