import { describe, expect, it } from 'vitest';
import { AnthropicToChat, chatToMessages, messageToChat } from './shapes';
import { ruleMatches } from './rules';
import { meterUsage } from './usage';

const meter = () => ({ model: '', backend: null, ttftMs: null, promptTokens: 0, cachedTokens: 0, completionTokens: 0 });

describe('chat completions → Messages', () => {
	it('moves system text out, turns tool calls and results into blocks, and always sets max_tokens', () => {
		const out = chatToMessages(
			{
				messages: [
					{ role: 'system', content: 'Be brief.' },
					{ role: 'user', content: [{ type: 'text', text: 'Weather?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
					{ role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] },
					{ role: 'tool', tool_call_id: 'call_1', content: 'rain' }
				],
				tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }],
				tool_choice: 'required',
				stop: 'END',
				temperature: 1.5
			},
			'claude-x'
		);
		expect(out).toEqual({
			model: 'claude-x',
			max_tokens: 4096,
			system: 'Be brief.',
			temperature: 1,
			stop_sequences: ['END'],
			tools: [{ name: 'weather', description: undefined, input_schema: { type: 'object' } }],
			tool_choice: { type: 'any' },
			messages: [
				{ role: 'user', content: [{ type: 'text', text: 'Weather?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }] },
				{ role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Oslo' } }] },
				{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'rain' }] }
			]
		});
	});
});

describe('Messages → chat completions', () => {
	it('an answer with a tool use', () => {
		const chat = messageToChat(
			{ content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } }], stop_reason: 'tool_use', usage: { input_tokens: 5, output_tokens: 2, cache_read_input_tokens: 3 } },
			'chatcmpl-1',
			'm'
		);
		expect(chat.choices[0]).toMatchObject({
			finish_reason: 'tool_calls',
			message: { content: 'Let me check.', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] }
		});
		expect(chat.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 3 } });
	});

	it('stream events, one at a time', () => {
		const t = new AnthropicToChat();
		const all = [
			t.deltas('message_start', { message: { usage: { input_tokens: 9 } } }),
			t.deltas('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
			t.deltas('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hi' } }),
			t.deltas('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_2', name: 'f' } }),
			t.deltas('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"a":' } }),
			t.deltas('message_delta', { delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 7 } })
		].flat();
		expect(all).toEqual([
			{ role: 'assistant', content: '' },
			{ content: 'Hi' },
			{ tool_calls: [{ index: 0, id: 'toolu_2', type: 'function', function: { name: 'f', arguments: '' } }] },
			{ tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] }
		]);
		expect(t.finish).toBe('length');
		expect(t.usage).toMatchObject({ input_tokens: 9, output_tokens: 7 });
		expect(() => t.deltas('error', { error: { message: 'Overloaded' } })).toThrow('Overloaded');
	});
});

describe('usage from any shape', () => {
	it('OpenAI chat, Responses, and Anthropic start and end events', () => {
		const a = meter();
		meterUsage(a, { usage: { prompt_tokens: 10, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 4 } } });
		expect(a).toMatchObject({ promptTokens: 10, completionTokens: 5, cachedTokens: 4 });
		const b = meter();
		meterUsage(b, { type: 'response.completed', response: { usage: { input_tokens: 3, output_tokens: 2 } } });
		expect(b).toMatchObject({ promptTokens: 3, completionTokens: 2 });
		const c = meter();
		meterUsage(c, { type: 'message_start', message: { usage: { input_tokens: 6, output_tokens: 1, cache_read_input_tokens: 2, cache_creation_input_tokens: 0 } } });
		meterUsage(c, { type: 'message_delta', usage: { output_tokens: 9 } });
		expect(c).toMatchObject({ promptTokens: 8, completionTokens: 9, cachedTokens: 2 });
		const d = meter();
		meterUsage(d, { usage: null });
		meterUsage(d, 'text');
		expect(d).toMatchObject({ promptTokens: 0, completionTokens: 0 });
	});
});

describe('rule patterns', () => {
	it('exact, prefix, glob (anchored, literal dots) and regex', () => {
		expect(ruleMatches({ matchType: 'exact', pattern: 'gpt-4o' }, 'gpt-4o')).toBe(true);
		expect(ruleMatches({ matchType: 'exact', pattern: 'gpt-4o' }, 'gpt-4o-mini')).toBe(false);
		expect(ruleMatches({ matchType: 'prefix', pattern: 'openai/' }, 'openai/gpt-4o')).toBe(true);
		expect(ruleMatches({ matchType: 'glob', pattern: 'llama-3.?-*' }, 'llama-3.1-8b')).toBe(true);
		expect(ruleMatches({ matchType: 'glob', pattern: 'llama-3.?-*' }, 'llama-3x1-8b')).toBe(false);
		expect(ruleMatches({ matchType: 'glob', pattern: 'a*' }, 'ba')).toBe(false);
		expect(ruleMatches({ matchType: 'regex', pattern: '^claude-(3|4)' }, 'claude-4-sonnet')).toBe(true);
		expect(ruleMatches({ matchType: 'regex', pattern: '^claude-(3|4)' }, 'my-claude-4')).toBe(false);
	});
});
