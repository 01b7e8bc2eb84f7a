import { describe, expect, it } from 'vitest';
import { Skimmer, carriesUsage, endsAnEvent } from './skim';

const piece = (text: string) => Buffer.from(text);
const chunk = (content: string, usage = '') => piece(`data: {"choices":[{"index":0,"delta":{"content":"${content}"}}]${usage}}\n\n`);

describe('endsAnEvent', () => {
	it('knows the blank line that ends an event, in each line-ending style', () => {
		for (const text of ['data: x\n\n', 'data: x\r\r', 'data: x\r\n\r\n', 'data: 1\n\ndata: 2\n\n']) expect(endsAnEvent(piece(text))).toBe(true);
		for (const text of ['data: x\n', 'data: x', 'data: x\r\n', '\n', '']) expect(endsAnEvent(piece(text))).toBe(false);
	});
});

describe('carriesUsage', () => {
	it('tells a real usage from the null that OpenAI sends on every chunk', () => {
		expect(carriesUsage(chunk('hi', ',"usage":null'))).toBe(false);
		expect(carriesUsage(chunk('hi', ', "usage" : null'))).toBe(false);
		expect(carriesUsage(chunk('hi'))).toBe(false);
		expect(carriesUsage(piece('data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5}}\n\n'))).toBe(true);
		expect(carriesUsage(piece('data: {"usage":null}\n\ndata: {"usage":{"output_tokens":9}}\n\n'))).toBe(true);
		// A token's text has its quotes escaped: it never reads as the key.
		expect(carriesUsage(piece('data: {"delta":{"content":"\\"usage\\":{"}}\n\n'))).toBe(false);
		// "usage" as a value, not a key: read to be sure.
		expect(carriesUsage(piece('data: {"delta":{"content":"usage"}}\n\n'))).toBe(true);
	});
});

describe('Skimmer', () => {
	it('reads every piece until the first token, then skips whole token events', () => {
		let first = true;
		const skim = new Skimmer(() => first);
		expect(skim.skips(piece('data: {"choices":[{"delta":{"role":"assistant"}}]}\n\n'))).toBe(false);
		expect(skim.skips(chunk('Hel'))).toBe(false);
		first = false;
		expect(skim.skips(chunk('lo', ',"usage":null'))).toBe(true);
	});

	it('reads a piece that ends inside an event and the piece that finishes it', () => {
		const skim = new Skimmer(() => false);
		const whole = chunk('split');
		expect(skim.skips(whole.subarray(0, 20))).toBe(false);
		expect(skim.skips(whole.subarray(20))).toBe(false);
		expect(skim.skips(chunk('next'))).toBe(true);
	});

	it('reads the piece with the usage', () => {
		const skim = new Skimmer(() => false);
		expect(skim.skips(piece('data: {"choices":[],"usage":{"completion_tokens":2}}\n\ndata: [DONE]\n\n'))).toBe(false);
	});
});
