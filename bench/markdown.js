#!/usr/bin/env node
/**
 * Markdown rendering of model output in Chromium (the browser users run): the chat's renderer
 * (`src/lib/client/markdown`: blocks → marked + highlight.js + KaTeX → DOMPurify) against rendering
 * the whole text with the same libraries in one call, the way a plain renderer would, in the same
 * page and interleaved rounds.
 *   1. Hostile inputs (50,000 `[`, `<`, `![`…): time of one cold render. Target < 50 ms.
 *   2. A streamed 20,000-token answer: the render after each 50 ms batch of tokens, p50 and max per
 *      batch near the end of the answer, where re-rendering the whole text costs the most.
 */
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { chromium } from '@playwright/test';

const ROOT = path.resolve(import.meta.dirname, '..');
const ROUNDS = 5;
const executablePath = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));

const entry = `
import DOMPurify from 'dompurify';
import { renderMarkdown, markdownToHtml, clearRenderCache } from './src/lib/client/markdown/render.ts';
window.bench = {
	chat: (text) => renderMarkdown(text).join(''),
	whole: (text) => DOMPurify.sanitize(markdownToHtml(text)),
	clear: clearRenderCache
};`;

const bundle = await build({ stdin: { contents: entry, resolveDir: ROOT, loader: 'ts' }, bundle: true, format: 'iife', platform: 'browser', write: false, logLevel: 'error' });

const HOSTILE = {
	'50,000 [': '['.repeat(50_000),
	'50,000 <': '<'.repeat(50_000),
	'25,000 ![': '!['.repeat(25_000),
	'12,000 [a](': '[a]('.repeat(12_000),
	'20,000 *a ': '*a '.repeat(20_000),
	'10,000 [*_`<': '[*_`<'.repeat(10_000),
	'5,000 > (nesting)': '> '.repeat(5_000) + 'x',
	'5,000-row table': '|a|b|\n|-|-|\n' + '|x|y|\n'.repeat(5_000)
};

/** A long answer as a model writes one: prose, lists, code, a table, math — about 20,000 tokens. */
function longAnswer() {
	const parts = [];
	for (let i = 0; parts.join('').length < 80_000; i++) {
		parts.push(`## Part ${i}\n\nSome **prose** with \`code\` and a [link](https://example.com/${i}). `.repeat(2) + '\n\n');
		parts.push(`- item one\n  - nested ${i}\n- item two\n\n`);
		parts.push('```python\n' + `def f${i}(x):\n    return [y * ${i} for y in range(x)]\n`.repeat(3) + '```\n\n');
		if (i % 4 === 0) parts.push(`| a | b |\n|---|---|\n| ${i} | $x^${i}$ |\n\n$$\\sum_{k=0}^{${i}} k$$\n\n`);
	}
	return parts.join('');
}

const browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage();
await page.setContent('<!doctype html><html><body></body></html>');
await page.addScriptTag({ content: bundle.outputFiles[0].text });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = { hostile: {}, streaming: {} };

console.log(`hostile inputs: one cold render, median of ${ROUNDS} interleaved rounds (ms)`);
console.log('input                  chat renderer   whole text in one call');
for (const [name, text] of Object.entries(HOSTILE)) {
	const times = await page.evaluate(
		({ text, rounds }) => {
			const t = { chat: [], whole: [] };
			for (let r = 0; r < rounds; r++) {
				for (const kind of r % 2 ? ['whole', 'chat'] : ['chat', 'whole']) {
					window.bench.clear();
					const t0 = performance.now();
					window.bench[kind](text);
					t[kind].push(performance.now() - t0);
				}
			}
			return t;
		},
		{ text, rounds: ROUNDS }
	);
	const chat = median(times.chat);
	const whole = median(times.whole);
	results.hostile[name] = { chat_ms: +chat.toFixed(1), whole_ms: +whole.toFixed(1) };
	console.log(`${name.padEnd(22)} ${chat.toFixed(1).padStart(8)}        ${whole.toFixed(1).padStart(8)}`);
}

// Streaming: 20,000 tokens ≈ 80 kB arriving in batches (≈ 5 tokens per 50 ms batch at 100 tok/s).
const answer = longAnswer();
const streamed = await page.evaluate(
	({ answer }) => {
		const batch = 20; // characters ≈ 5 tokens
		const out = {};
		for (const kind of ['chat', 'whole']) {
			window.bench.clear();
			const tail = [];
			let total = 0;
			for (let end = batch; end < answer.length + batch; end += batch) {
				const t0 = performance.now();
				window.bench[kind](answer.slice(0, end));
				const dt = performance.now() - t0;
				total += dt;
				if (end > answer.length - 200 * batch) tail.push(dt);
				// The whole-text renderer is quadratic over the answer: sample it, do not run it all.
				if (kind === 'whole') end += batch * 49;
			}
			tail.sort((a, b) => a - b);
			out[kind] = { p50: tail[Math.floor(tail.length / 2)], max: tail.at(-1), total };
		}
		return out;
	},
	{ answer }
);
results.streaming = {
	answer_chars: answer.length,
	chat_p50_ms: +streamed.chat.p50.toFixed(2),
	chat_max_ms: +streamed.chat.max.toFixed(2),
	whole_p50_ms: +streamed.whole.p50.toFixed(2),
	whole_max_ms: +streamed.whole.max.toFixed(2),
	ratio_p50: +(streamed.whole.p50 / streamed.chat.p50).toFixed(1)
};
console.log(`\nstreamed answer of ${answer.length} characters: render per 50 ms batch near its end`);
console.log(`  chat renderer: p50 ${streamed.chat.p50.toFixed(2)} ms, max ${streamed.chat.max.toFixed(2)} ms`);
console.log(`  whole text:    p50 ${streamed.whole.p50.toFixed(2)} ms, max ${streamed.whole.max.toFixed(2)} ms (×${results.streaming.ratio_p50})`);
await browser.close();
console.log(`JSON ${JSON.stringify(results)}`);
