import { describe, expect, it } from 'vitest';
import { toHistory } from './history';

describe('toHistory', () => {
	it('adds the profile system prompt only when the request has none', () => {
		expect(toHistory([{ role: 'user', content: 'hi' }], 'Be brief.')).toEqual([
			{ type: 'system', text: 'Be brief.' },
			{ type: 'user', text: 'hi' }
		]);
		expect(toHistory([{ role: 'system', content: 'Mine' }, { role: 'user', content: 'hi' }], 'Be brief.')[0]).toEqual({ type: 'system', text: 'Mine' });
	});

	it('joins text parts and turns tool calls plus tool results into function calls', () => {
		const history = toHistory(
			[
				{ role: 'user', content: [{ type: 'text', text: 'Weather ' }, { type: 'text', text: 'in Paris?' }] },
				{ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
				{ role: 'tool', tool_call_id: 'c1', content: '{"temp_c":21}' }
			],
			''
		);
		expect(history).toEqual([
			{ type: 'user', text: 'Weather in Paris?' },
			{ type: 'model', response: [{ type: 'functionCall', name: 'weather', params: { city: 'Paris' }, result: { temp_c: 21 } }] }
		]);
	});

	it('rejects a tool result without its call and arguments that are not JSON', () => {
		expect(() => toHistory([{ role: 'tool', tool_call_id: 'x', content: '1' }], '')).toThrow(expect.objectContaining({ status: 400 }));
		expect(() =>
			toHistory([{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{oops' } }] }], '')
		).toThrow(expect.objectContaining({ status: 400 }));
	});
});
