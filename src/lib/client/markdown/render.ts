/**
 * Model output as HTML: Markdown (CommonMark + GFM: tables, task lists, strikethrough) by `marked`,
 * code highlighted by highlight.js, math by KaTeX, and every block sanitised by DOMPurify before it
 * reaches the page. Raw HTML in the text is shown as text, never as markup; images become links (a
 * model's answer must not make the browser fetch addresses it chose).
 */
import DOMPurify from 'dompurify';
import { Marked, type Tokens } from 'marked';
import markedKatex from 'marked-katex-extension';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import csharp from 'highlight.js/lib/languages/csharp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import kotlin from 'highlight.js/lib/languages/kotlin';
import markdown from 'highlight.js/lib/languages/markdown';
import php from 'highlight.js/lib/languages/php';
import python from 'highlight.js/lib/languages/python';
import ruby from 'highlight.js/lib/languages/ruby';
import rust from 'highlight.js/lib/languages/rust';
import shell from 'highlight.js/lib/languages/shell';
import sql from 'highlight.js/lib/languages/sql';
import swift from 'highlight.js/lib/languages/swift';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { toBlocks, type Block } from './blocks';

const LANGUAGES = { bash, c, cpp, csharp, css, diff, go, java, javascript, json, kotlin, markdown, php, python, ruby, rust, shell, sql, swift, typescript, xml, yaml };
for (const [name, lang] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, lang);

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]);

/** Code longer than this is shown without highlighting (highlighting it would hold up the page). */
const MAX_HIGHLIGHT = 100_000;

function highlight(code: string, lang: string): string {
	const language = lang && hljs.getLanguage(lang) ? lang : null;
	if (!language || code.length > MAX_HIGHLIGHT) return escapeHtml(code);
	try {
		return hljs.highlight(code, { language, ignoreIllegals: true }).value;
	} catch {
		return escapeHtml(code);
	}
}

const marked = new Marked({ gfm: true, breaks: false });
marked.use(markedKatex({ throwOnError: false, nonStandard: true, output: 'htmlAndMathml' }));
marked.use({
	renderer: {
		html: ({ text }: Tokens.HTML | Tokens.Tag) => escapeHtml(text),
		image: ({ href, text }: Tokens.Image) => `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>`,
		code: ({ text, lang }: Tokens.Code) => {
			const name = (lang ?? '').trim().split(/\s+/)[0].toLowerCase();
			const label = name ? `<span class="code-lang">${escapeHtml(name)}</span>` : '<span></span>';
			return (
				`<div class="code-block"><div class="code-head">${label}` +
				`<button type="button" class="copy-code" data-copy-code>Copy</button></div>` +
				`<pre><code class="hljs${name ? ` language-${escapeHtml(name)}` : ''}">${highlight(text, name)}</code></pre></div>`
			);
		}
	}
});

/** Markdown to HTML, not yet sanitised. Raw HTML in the text comes out escaped. */
export function markdownToHtml(source: string, inline = false): string {
	try {
		return (inline ? marked.parseInline(source, { async: false }) : marked.parse(source, { async: false })) as string;
	} catch {
		// A pathological input (nesting deeper than the parser's stack): show it as text.
		return `<p>${escapeHtml(source)}</p>`;
	}
}

let hooked = false;

/** DOMPurify, set up on first use (it needs the browser's DOM: never called during server rendering). */
function purifier(): typeof DOMPurify {
	if (!hooked) {
		DOMPurify.addHook('afterSanitizeAttributes', (node) => {
			if (node.tagName === 'A') {
				node.setAttribute('target', '_blank');
				node.setAttribute('rel', 'noopener noreferrer nofollow');
			}
		});
		hooked = true;
	}
	return DOMPurify;
}

// KaTeX keeps the TeX source in a MathML annotation (copy, screen readers).
const PURIFY = { ADD_TAGS: ['semantics', 'annotation'], FORBID_TAGS: ['style', 'form', 'img', 'iframe', 'object', 'embed'], FORBID_ATTR: ['srcset'] };

/** Rendered blocks by source: finished blocks are never rendered twice (across messages and branches too). */
const cache = new Map<string, string>();
const CACHE_LIMIT = 2000;

/** One block as safe HTML (in the browser only). */
export function renderBlock(block: Block): string {
	const key = `${block.kind}\u0000${block.source}`;
	const hit = cache.get(key);
	if (hit !== undefined) return hit;
	const html = purifier().sanitize(markdownToHtml(block.source, block.kind === 'inline'), PURIFY);
	if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
	cache.set(key, html);
	return html;
}

/**
 * Text as a list of safe HTML fragments, one per block (pieces of an over-long paragraph joined into
 * one `<p>`). Blocks already rendered come from the cache, so a growing answer costs one block a time.
 */
export function renderMarkdown(text: string): string[] {
	const out: string[] = [];
	let inline: { group: number; parts: string[] } | null = null;
	const closeInline = () => {
		if (inline) out.push(`<p>${inline.parts.join('')}</p>`);
		inline = null;
	};
	for (const block of toBlocks(text)) {
		if (block.kind !== 'inline') {
			closeInline();
			out.push(renderBlock(block));
			continue;
		}
		const current = inline as { group: number; parts: string[] } | null;
		if (current && current.group === block.group) current.parts.push(renderBlock(block));
		else {
			closeInline();
			inline = { group: block.group, parts: [renderBlock(block)] };
		}
	}
	closeInline();
	return out;
}

/** Forgets every rendered block (benchmarks measure cold renders). */
export function clearRenderCache(): void {
	cache.clear();
}
