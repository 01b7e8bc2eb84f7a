import { describe, expect, it } from 'vitest';
import { EnvelopeStream, type EnvelopeEvent } from './envelope-stream';

/** Feeds `text` in pieces of `size` characters and merges consecutive text events. */
function scan(text: string, size: number): EnvelopeEvent[] {
	const stream = new EnvelopeStream();
	const events: EnvelopeEvent[] = [];
	for (let i = 0; i < text.length; i += size) {
		for (const e of stream.feed(text.slice(i, i + size))) {
			const last = events.at(-1);
			if (last && last.type === e.type && e.type !== 'call' && (last.type === 'response' || (last as { index: number }).index === (e as { index: number }).index)) {
				(last as { text: string }).text += (e as { text: string }).text;
			} else events.push({ ...e });
		}
	}
	return events;
}

describe('EnvelopeStream', () => {
	const calls = '{ "tool_calls" : [ {"name": "get_weather", "arguments": {"city": "Pa\\"ris", "days": [1, 2]}},\n {"name":"noop","arguments":{}} ] }';

	it.each([1, 3, 7, 1000])('announces each call, then its arguments text unchanged (pieces of %i)', (size) => {
		expect(scan(calls, size)).toEqual([
			{ type: 'call', index: 0, name: 'get_weather' },
			{ type: 'arguments', index: 0, text: '{"city": "Pa\\"ris", "days": [1, 2]}' },
			{ type: 'call', index: 1, name: 'noop' },
			{ type: 'arguments', index: 1, text: '{}' }
		]);
	});

	it.each([1, 5, 1000])('passes an answer through as text (pieces of %i)', (size) => {
		expect(scan('{"response": {"name": "Ann", "tags": ["a"]}}', size)).toEqual([{ type: 'response', text: '{"name": "Ann", "tags": ["a"]}' }]);
		expect(scan('{"response": 42 }', size)).toEqual([{ type: 'response', text: '42' }]);
		expect(scan('{"response":"a \\u0041 string"}', size)).toEqual([{ type: 'response', text: '"a \\u0041 string"' }]);
	});

	it('ignores look-alike keys deeper in the arguments', () => {
		const text = '{"tool_calls":[{"name":"f","arguments":{"response":{"name":"x","arguments":1}}}]}';
		expect(scan(text, 2)).toEqual([
			{ type: 'call', index: 0, name: 'f' },
			{ type: 'arguments', index: 0, text: '{"response":{"name":"x","arguments":1}}' }
		]);
	});
});
