import { describe, expect, it } from 'vitest';
import { MAX_BLOCK, toBlocks } from './blocks';
import { markdownToHtml } from './render';

const sources = (text: string) => toBlocks(text).map((b) => b.source);

describe('toBlocks', () => {
	it('splits at blank lines, keeping fences, math, lists and tables whole', () => {
		const text = [
			'# Title',
			'',
			'Some text.',
			'',
			'```python',
			'a = 1',
			'',
			'b = 2',
			'```',
			'',
			'- one',
			'',
			'  - nested',
			'- two',
			'',
			'$$',
			'x^2',
			'',
			'$$',
			'',
			'| a | b |',
			'|---|---|',
			'| 1 | 2 |'
		].join('\n');
		expect(sources(text)).toEqual([
			'# Title\n',
			'Some text.\n',
			'```python\na = 1\n\nb = 2\n```',
			'- one\n\n  - nested\n- two\n',
			'$$\nx^2\n\n$$\n',
			'| a | b |\n|---|---|\n| 1 | 2 |'
		]);
	});

	it('keeps an unclosed fence (still streaming) as one code block to the end', () => {
		const blocks = toBlocks('Intro\n\n```js\nconst a = 1;\n\nconst b = 2;');
		expect(blocks.map((b) => b.kind)).toEqual(['block', 'code']);
		expect(markdownToHtml(blocks[1].source)).toContain('<pre><code class="hljs language-js">');
	});

	it('bounds every piece of hostile text that the parser reads inline', () => {
		for (const text of ['['.repeat(50_000), '<'.repeat(50_000), `${'word '.repeat(30_000)}`, `${'[a]('.repeat(10_000)}\n${'x'.repeat(9000)}`]) {
			const blocks = toBlocks(text);
			expect(blocks.every((b) => b.source.length <= MAX_BLOCK)).toBe(true);
			expect(blocks.map((b) => b.source).join('').replace(/\n/g, '')).toBe(text.replace(/\n/g, ''));
		}
	});

	it('changes only the last block as an answer grows', () => {
		const before = toBlocks('First paragraph.\n\nSecond');
		const after = toBlocks('First paragraph.\n\nSecond paragraph, longer now.');
		expect(after[0]).toEqual(before[0]);
		expect(after).toHaveLength(2);
	});
});

describe('markdownToHtml', () => {
	it('renders GFM tables, nested lists, task lists, strikethrough, quotes, rules and math', () => {
		const html = markdownToHtml('| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n  - nested\n- [x] done\n\n~~old~~\n\n> quoted\n\n---\n\n$$x^2$$');
		expect(html).toContain('<table>');
		expect(html).toMatch(/<ul>\s*<li>one\s*<ul>\s*<li>nested<\/li>/);
		expect(html).toContain('type="checkbox"');
		expect(html).toContain('<del>old</del>');
		expect(html).toContain('<blockquote>');
		expect(html).toContain('<hr>');
		expect(html).toContain('class="katex');
	});

	it('highlights fenced code with a copy button', () => {
		const html = markdownToHtml('```python\ndef f(x):\n    return "<b>"\n```');
		expect(html).toContain('<button type="button" class="copy-code" data-copy-code>Copy</button>');
		expect(html).toContain('<span class="hljs-keyword">def</span>');
		expect(html).toContain('&lt;b&gt;');
	});

	it('shows raw HTML from the text as text and turns images into links', () => {
		for (const attack of ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', 'a <b onmouseover="alert(1)">b</b>', '<div>\n<svg onload=alert(1)>\n</div>']) {
			const html = markdownToHtml(attack);
			expect(html, attack).not.toMatch(/<(script|img|svg|b|div)\b/i);
		}
		expect(markdownToHtml('![pixel](https://tracker.example/p.png)')).not.toContain('<img');
	});

	it('survives nesting deeper than the parser can follow', () => {
		expect(() => markdownToHtml('> '.repeat(5000) + 'x')).not.toThrow();
	});
});

describe('toBlocks on long lists and tables', () => {
	it('cuts a long list between top-level items, keeping nested items with their parent', () => {
		const list = Array.from({ length: 120 }, (_, i) => `- item ${i} with some words\n  - nested under ${i}`).join('\n');
		const blocks = toBlocks(list);
		expect(blocks.length).toBeGreaterThan(1);
		for (const b of blocks) {
			expect(b.source.startsWith('- item')).toBe(true);
			expect(b.source.length).toBeLessThanOrEqual(MAX_BLOCK + 100);
		}
	});

	it('repeats a long table header in every piece, so every piece is still a table', () => {
		const table = '| n | square |\n|---|---|\n' + Array.from({ length: 400 }, (_, i) => `| ${i} | ${i * i} |`).join('\n');
		const blocks = toBlocks(table);
		expect(blocks.length).toBeGreaterThan(1);
		for (const b of blocks) {
			expect(b.source.startsWith('| n | square |\n|---|---|\n')).toBe(true);
			expect(markdownToHtml(b.source)).toContain('<table>');
		}
	});
});
