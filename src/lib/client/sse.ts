/**
 * Reads a `text/event-stream` response body (what `/v1/chat/completions` sends with `stream: true`)
 * and yields the `data` of each event. Events may be split across network chunks anyhow.
 */
export async function* readSseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
	const reader = body.getReader();
	const decoder = new TextDecoder();
	let buffer = '';
	let pendingCr = false;
	try {
		for (;;) {
			const { value, done } = await reader.read();
			if (done) break;
			// Normalise line ends to \n; a \r at the end of a chunk may be the first half of \r\n.
			let text: string = (pendingCr ? '\r' : '') + decoder.decode(value, { stream: true });
			pendingCr = text.endsWith('\r');
			if (pendingCr) text = text.slice(0, -1);
			buffer += text.replace(/\r\n?/g, '\n');
			let end: number;
			while ((end = buffer.indexOf('\n\n')) >= 0) {
				const data = dataOf(buffer.slice(0, end));
				buffer = buffer.slice(end + 2);
				if (data !== null) yield data;
			}
		}
		const rest = dataOf(buffer);
		if (rest !== null) yield rest;
	} finally {
		reader.releaseLock();
	}
}

function dataOf(event: string): string | null {
	const lines = event.split('\n').filter((line) => line.startsWith('data:'));
	if (lines.length === 0) return null;
	return lines.map((line) => line.slice(5).replace(/^ /, '')).join('\n');
}
