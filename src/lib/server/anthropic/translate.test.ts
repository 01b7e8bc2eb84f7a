import { describe, expect, it } from 'vitest';
import { MessagesRequest } from './schemas';
import { contentOf, stopReasonOf, thoughtBudgetOf, toChatRequest, usageOf } from './translate';

const parse = (body: unknown) => MessagesRequest.parse(body);

describe('Anthropic requests in the chat core’s terms', () => {
	it('puts system first, tool results as tool messages and tool uses as calls', () => {
		const req = toChatRequest(
			parse({
				model: 'm',
				max_tokens: 10,
				system: [{ type: 'text', text: 'Be brief.' }],
				stop_sequences: ['END'],
				tools: [{ name: 'f', input_schema: { type: 'object' } }],
				tool_choice: { type: 'any', disable_parallel_tool_use: true },
				messages: [
					{ role: 'user', content: 'Hi' },
					{ role: 'assistant', content: [{ type: 'thinking', thinking: 'hm', signature: 's' }, { type: 'text', text: 'Calling' }, { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } }] },
					{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'ok' }] }, { type: 'text', text: 'Thanks' }] }
				]
			})
		);
		expect(req.messages).toEqual([
			{ role: 'system', content: 'Be brief.' },
			{ role: 'user', content: 'Hi' },
			{ role: 'assistant', content: 'Calling', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
			{ role: 'tool', tool_call_id: 'toolu_1', content: 'ok' },
			{ role: 'user', content: 'Thanks' }
		]);
		expect(req).toMatchObject({ max_tokens: 10, stop: ['END'], tool_choice: 'required', parallel_tool_calls: false });
		expect(req.tools).toEqual([{ type: 'function', function: { name: 'f', description: undefined, parameters: { type: 'object' } } }]);
	});

	it('maps tool_choice tool and none', () => {
		const base = { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] };
		expect(toChatRequest(parse({ ...base, tool_choice: { type: 'tool', name: 'f' } })).tool_choice).toEqual({ type: 'function', function: { name: 'f' } });
		expect(toChatRequest(parse({ ...base, tool_choice: { type: 'none' } })).tool_choice).toBe('none');
	});

	it('takes the thought budget from thinking, else from output_config.effort', () => {
		const base = { model: 'm', max_tokens: 100, messages: [{ role: 'user', content: 'x' }] };
		expect(thoughtBudgetOf(parse({ ...base, thinking: { type: 'enabled', budget_tokens: 30 } }), 100)).toBe(30);
		expect(thoughtBudgetOf(parse({ ...base, thinking: { type: 'enabled', budget_tokens: 3000 } }), 100)).toBe(100);
		expect(thoughtBudgetOf(parse({ ...base, thinking: { type: 'disabled' } }), 100)).toBe(0);
		expect(thoughtBudgetOf(parse({ ...base, output_config: { effort: 'low' } }), 100)).toBe(25);
		expect(thoughtBudgetOf(parse({ ...base, output_config: { effort: 'max' } }), 100)).toBeUndefined();
		expect(thoughtBudgetOf(parse({ ...base, thinking: { type: 'adaptive' } }), 100)).toBeUndefined();
	});

	it('refuses content it cannot read', () => {
		const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AA==' } };
		expect(MessagesRequest.safeParse({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: [image] }] }).success).toBe(false);
		expect(MessagesRequest.safeParse({ model: 'm', messages: [{ role: 'user', content: 'x' }] }).success).toBe(false);
	});
});

describe('results in Anthropic’s shapes', () => {
	const result = { text: 'Hi', reasoning: 'think', finishReason: 'stop' as const, stopSequence: null, toolCalls: [], promptTokens: 10, cachedTokens: 4, completionTokens: 3 };

	it('orders blocks thinking, text, tool_use and names tool uses toolu_', () => {
		expect(contentOf(result)).toEqual([
			{ type: 'thinking', thinking: 'think', signature: '' },
			{ type: 'text', text: 'Hi' }
		]);
		const call = { id: 'call_abc', type: 'function' as const, function: { name: 'f', arguments: '{"a":1}' } };
		expect(contentOf({ ...result, text: '', reasoning: '', finishReason: 'tool_calls', toolCalls: [call] })).toEqual([
			{ type: 'tool_use', id: 'toolu_abc', name: 'f', input: { a: 1 } }
		]);
	});

	it('maps finish reasons and usage', () => {
		expect(stopReasonOf({ finishReason: 'stop', stopSequence: null })).toBe('end_turn');
		expect(stopReasonOf({ finishReason: 'stop', stopSequence: 'END' })).toBe('stop_sequence');
		expect(stopReasonOf({ finishReason: 'length', stopSequence: null })).toBe('max_tokens');
		expect(stopReasonOf({ finishReason: 'tool_calls', stopSequence: null })).toBe('tool_use');
		expect(usageOf(result)).toEqual({ input_tokens: 6, output_tokens: 3, cache_creation_input_tokens: 0, cache_read_input_tokens: 4 });
	});
});
