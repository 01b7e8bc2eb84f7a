import { describe, expect, it } from 'vitest';
import { textChunks } from './text-chunk';

const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', system_fingerprint: 'fp' };

describe('textChunks', () => {
	it('builds the same JSON as the chunk object, for any text', () => {
		const chat = textChunks(base, (t) => ({ delta: { content: t }, logprobs: null, finish_reason: null }), { usage: null });
		for (const text of ['a', ' hello', '"quoted" \\ back', 'line\nbreak', '\u0000\u2028 emoji 🎉', '']) {
			const object = { ...base, choices: [{ index: 3, delta: { content: text }, logprobs: null, finish_reason: null }], usage: null };
			expect(chat(3, text)).toBe(JSON.stringify(object));
			expect(JSON.parse(chat(3, text))).toEqual(object);
		}
	});

	it('works without fields after the choices (completions)', () => {
		const completion = textChunks(base, (t) => ({ text: t, logprobs: null, finish_reason: null }));
		const object = { ...base, choices: [{ index: 0, text: 'x', logprobs: null, finish_reason: null }] };
		expect(completion(0, 'x')).toBe(JSON.stringify(object));
	});
});
