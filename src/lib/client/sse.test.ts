import { describe, expect, it } from 'vitest';
import { readSseData } from './sse';

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
	const encoder = new TextEncoder();
	return new ReadableStream({
		start(controller) {
			for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
			controller.close();
		}
	});
}

async function collect(chunks: string[]): Promise<string[]> {
	const out: string[] = [];
	for await (const data of readSseData(streamOf(chunks))) out.push(data);
	return out;
}

describe('readSseData', () => {
	it('yields each event data, even when events are split across chunks', async () => {
		const events = await collect(['data: {"a":', '1}\n', '\ndata: {"b":2}\n\n: comment\n\ndata: [DONE]\n\n']);
		expect(events).toEqual(['{"a":1}', '{"b":2}', '[DONE]']);
	});

	it('handles CRLF line endings, multi-line data and a final event without a blank line', async () => {
		const events = await collect(['data: one\r\ndata: two\r\n\r\n', 'event: x\ndata: last']);
		expect(events).toEqual(['one\ntwo', 'last']);
	});

	it('keeps multi-byte characters split between chunks intact', async () => {
		const bytes = new TextEncoder().encode('data: héllo ✓\n\n');
		const stream = new ReadableStream<Uint8Array>({
			start(controller) {
				controller.enqueue(bytes.slice(0, 8));
				controller.enqueue(bytes.slice(8));
				controller.close();
			}
		});
		const out: string[] = [];
		for await (const data of readSseData(stream)) out.push(data);
		expect(out).toEqual(['héllo ✓']);
	});
});
