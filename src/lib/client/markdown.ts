/**
 * A small Markdown renderer for model output, safe by construction: the whole text is HTML-escaped
 * first, and only a fixed set of tags this module writes itself can appear in the result (p, pre,
 * code, strong, em, ul, ol, li, h3–h6, a, br). Links are kept only for http(s) URLs. Unclosed
 * constructs (a code fence still being streamed) render sensibly.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Placeholders for already-rendered fragments use a private-use character the input cannot carry. */
const MARK = '\uE000';

/** Inline markup of one escaped line or paragraph. */
function renderInline(escaped: string): string {
	const slots: string[] = [];
	const hold = (html: string) => `${MARK}${slots.push(html) - 1}${MARK}`;
	let s = escaped.replace(/`([^`]+)`/g, (_, code: string) => hold(`<code>${code}</code>`));
	s = s.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (whole, label: string, url: string) => {
		// The URL is escaped text; decode only &amp; for the scheme check (no quote can be present raw).
		if (!/^https?:\/\/[^\s]+$/i.test(url.replace(/&amp;/g, '&'))) return whole;
		return hold(`<a href="${url}" target="_blank" rel="noopener noreferrer nofollow">${label}</a>`);
	});
	s = s.replace(/\*\*([^*]+?)\*\*|__([^_]+?)__/g, (_, a?: string, b?: string) => `<strong>${a ?? b}</strong>`);
	s = s.replace(/(^|[^*\w])\*([^*\s][^*]*?)\*(?!\w)|(^|[^_\w])_([^_\s][^_]*?)_(?!\w)/g, (_, p1?: string, a?: string, p2?: string, b?: string) =>
		a !== undefined ? `${p1}<em>${a}</em>` : `${p2}<em>${b}</em>`
	);
	return s.replace(new RegExp(`${MARK}(\\d+)${MARK}`, 'g'), (_, i: string) => slots[Number(i)]);
}

type Block = { kind: 'code'; lang: string; lines: string[] } | { kind: 'list'; ordered: boolean; items: string[] } | { kind: 'heading'; level: number; text: string } | { kind: 'para'; lines: string[] };

function parseBlocks(lines: string[]): Block[] {
	const blocks: Block[] = [];
	let i = 0;
	while (i < lines.length) {
		const line = lines[i];
		const fence = /^\s*```\s*([\w+-]*)/.exec(line);
		if (fence) {
			const code: string[] = [];
			i++;
			while (i < lines.length && !/^\s*```\s*$/.test(lines[i])) code.push(lines[i++]);
			i++; // closing fence (or end of text while streaming)
			blocks.push({ kind: 'code', lang: fence[1], lines: code });
			continue;
		}
		const heading = /^(#{1,4})\s+(.*)$/.exec(line);
		if (heading) {
			blocks.push({ kind: 'heading', level: heading[1].length + 2, text: heading[2] });
			i++;
			continue;
		}
		const item = /^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$/.exec(line);
		if (item) {
			const ordered = item[2] !== undefined;
			const items: string[] = [];
			while (i < lines.length) {
				const m = /^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$/.exec(lines[i]);
				if (!m || (m[2] !== undefined) !== ordered) break;
				items.push(m[3]);
				i++;
			}
			blocks.push({ kind: 'list', ordered, items });
			continue;
		}
		if (line.trim() === '') {
			i++;
			continue;
		}
		const para: string[] = [];
		while (i < lines.length && lines[i].trim() !== '' && !/^\s*```/.test(lines[i]) && !/^#{1,4}\s/.test(lines[i]) && !/^\s*(?:[-*+]|\d+[.)])\s+/.test(lines[i])) {
			para.push(lines[i++]);
		}
		blocks.push({ kind: 'para', lines: para });
	}
	return blocks;
}

/** Markdown → HTML that contains no markup from `text` itself. */
export function renderMarkdown(text: string): string {
	const escaped = escapeHtml(text.replaceAll(MARK, '').replace(/\r\n?/g, '\n'));
	return parseBlocks(escaped.split('\n'))
		.map((block) => {
			switch (block.kind) {
				case 'code': {
					const lang = block.lang ? ` class="language-${block.lang}"` : '';
					return `<pre><code${lang}>${block.lines.join('\n')}</code></pre>`;
				}
				case 'heading':
					return `<h${block.level}>${renderInline(block.text)}</h${block.level}>`;
				case 'list': {
					const tag = block.ordered ? 'ol' : 'ul';
					return `<${tag}>${block.items.map((item) => `<li>${renderInline(item)}</li>`).join('')}</${tag}>`;
				}
				case 'para':
					return `<p>${block.lines.map(renderInline).join('<br>')}</p>`;
			}
		})
		.join('\n');
}
