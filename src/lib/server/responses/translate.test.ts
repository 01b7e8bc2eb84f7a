import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../http/errors';
import { ResponsesRequest } from './schemas';
import { toChatRequest } from './translate';

const parse = (body: unknown) => ResponsesRequest.parse(body);

describe('Responses requests in the chat core’s terms', () => {
	it('turns instructions, messages, function calls and their outputs into chat messages', () => {
		const req = toChatRequest(
			parse({
				model: 'm',
				instructions: 'Be brief.',
				max_output_tokens: 20,
				reasoning: { effort: 'low' },
				tool_choice: { type: 'function', name: 'f' },
				parallel_tool_calls: false,
				text: { format: { type: 'json_schema', name: 'x', schema: { type: 'object' } } },
				input: [
					{ role: 'user', content: [{ type: 'input_text', text: 'Hi' }] },
					{ type: 'reasoning', id: 'rs_1', summary: [] },
					{ type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' },
					{ type: 'function_call', call_id: 'c2', name: 'g', arguments: '{"a":1}' },
					{ type: 'function_call_output', call_id: 'c1', output: 'one' },
					{ type: 'function_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'two' }] }
				]
			})
		);
		expect(req.messages).toEqual([
			{ role: 'system', content: 'Be brief.' },
			{ role: 'user', content: 'Hi' },
			{
				role: 'assistant',
				content: null,
				tool_calls: [
					{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } },
					{ id: 'c2', type: 'function', function: { name: 'g', arguments: '{"a":1}' } }
				]
			},
			{ role: 'tool', tool_call_id: 'c1', content: 'one' },
			{ role: 'tool', tool_call_id: 'c2', content: 'two' }
		]);
		expect(req).toMatchObject({
			max_tokens: 20,
			reasoning_effort: 'low',
			tool_choice: { type: 'function', function: { name: 'f' } },
			parallel_tool_calls: false,
			response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } }
		});
	});

	it('is stateless: previous_response_id and conversation are a 400', () => {
		expect(() => toChatRequest(parse({ model: 'm', input: 'x', previous_response_id: 'resp_1' }))).toThrow(BadRequestError);
		expect(() => toChatRequest(parse({ model: 'm', input: 'x', conversation: 'conv_1' }))).toThrow(BadRequestError);
	});

	it('refuses built-in tools and unknown items', () => {
		expect(ResponsesRequest.safeParse({ model: 'm', input: 'x', tools: [{ type: 'web_search' }] }).success).toBe(false);
		expect(ResponsesRequest.safeParse({ model: 'm', input: [{ type: 'item_reference', id: 'x' }] }).success).toBe(false);
	});
});
