/**
 * Worker thread for bench/audit.js: opens N audit sockets and notes when each `log` message arrives
 * (performance.timeOrigin + now() is one clock for every thread of the process).
 */
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';

const { url, count } = workerData;
const now = () => performance.timeOrigin + performance.now();
/** @type {Map<number, number[]>} row id → arrival times */
const arrivals = new Map();
const sockets = [];
let ready = 0;

for (let i = 0; i < count; i++) {
	const ws = new WebSocket(url);
	ws.on('message', (data) => {
		const t = now();
		const message = JSON.parse(String(data));
		if (message.type === 'hello' && ++ready === count) parentPort.postMessage({ type: 'ready' });
		if (message.type !== 'log') return;
		const list = arrivals.get(message.data.id) ?? [];
		list.push(t);
		arrivals.set(message.data.id, list);
	});
	sockets.push(ws);
}

parentPort.on('message', (message) => {
	if (message !== 'report') return;
	for (const ws of sockets) ws.close();
	parentPort.postMessage({ type: 'report', arrivals: [...arrivals] });
});
