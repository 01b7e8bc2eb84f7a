import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown';

/** Every tag the renderer may produce; anything else in the output would be injected markup. */
const ALLOWED = new Set(['p', 'pre', 'code', 'strong', 'em', 'ul', 'ol', 'li', 'h3', 'h4', 'h5', 'h6', 'a', 'br']);

function tagsOf(html: string): string[] {
	return [...html.matchAll(/<\/?([a-zA-Z][\w-]*)/g)].map((m) => m[1].toLowerCase());
}

describe('renderMarkdown', () => {
	it('renders code blocks, inline code, emphasis, lists and links', () => {
		const html = renderMarkdown('# Title\n\nSome **bold** and *it* with `x < y`.\n\n- one\n- two\n\n1. first\n\n```js\nconst a = 1 < 2;\n```\n\nSee [docs](https://example.com/a?b=1&c=2).');
		expect(html).toContain('<h3>Title</h3>');
		expect(html).toContain('<strong>bold</strong>');
		expect(html).toContain('<em>it</em>');
		expect(html).toContain('<code>x &lt; y</code>');
		expect(html).toContain('<ul><li>one</li><li>two</li></ul>');
		expect(html).toContain('<ol><li>first</li></ol>');
		expect(html).toContain('<pre><code class="language-js">const a = 1 &lt; 2;</code></pre>');
		expect(html).toContain('<a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer nofollow">docs</a>');
	});

	it('never lets HTML from the text through', () => {
		const attacks = [
			'<script>alert(1)</script>',
			'<img src=x onerror=alert(1)>',
			'[x](javascript:alert(1))',
			'[x](JaVaScRiPt:alert(1))',
			'[x](data:text/html,<script>alert(1)</script>)',
			'[x](https://a.example/"onmouseover="alert(1))',
			"[x](https://a.example/'><svg onload=alert(1)>)",
			'**<b>bold</b>**',
			'`<iframe>`',
			'```\n</code></pre><script>x</script>\n```',
			'- <a href="javascript:x">y</a>',
			'\uE0000\uE000<script>'
		];
		for (const text of attacks) {
			const html = renderMarkdown(text);
			for (const tag of tagsOf(html)) expect(ALLOWED.has(tag), `${text} → ${html}`).toBe(true);
			// Raw `<` from the text is always escaped, so every tag is the renderer's own; check its attributes.
			for (const [, attrs] of html.matchAll(/<[a-z0-9]+([^>]*)>/g)) {
				expect(attrs, `${text} → ${html}`).toMatch(/^(| class="language-[\w+-]+"| href="https?:\/\/[^"\s]+" target="_blank" rel="noopener noreferrer nofollow")$/);
			}
		}
	});

	it('keeps only http(s) links and leaves others as text', () => {
		expect(renderMarkdown('[a](ftp://x)')).toBe('<p>[a](ftp://x)</p>');
		expect(renderMarkdown('[a](http://x.example)')).toContain('href="http://x.example"');
	});

	it('renders an unclosed fence (a stream still arriving) as code', () => {
		expect(renderMarkdown('Here:\n```py\nprint(1)')).toBe('<p>Here:</p>\n<pre><code class="language-py">print(1)</code></pre>');
	});

	it('does not treat snake_case or arithmetic as emphasis', () => {
		expect(renderMarkdown('use max_tokens and 2 * 3 * 4')).toBe('<p>use max_tokens and 2 * 3 * 4</p>');
	});
});
