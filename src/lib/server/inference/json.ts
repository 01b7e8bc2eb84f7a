type Expect = 'first-key' | 'key' | 'colon' | 'value' | 'first-value' | 'next';
type Frame = { object: boolean; expect: Expect };

/**
 * The text to append to a JSON text cut off by `max_tokens` so that it parses: it completes an open
 * escape, string, literal or number, fills a missing value with `null` (or a missing key with
 * `"":null`), and closes every open array and object. Append-only, so a streamed answer and its
 * final text stay equal. Returns '' for text that is already complete.
 */
export function jsonClosingSuffix(text: string): string {
	const stack: Frame[] = [];
	let inString = false;
	let stringIsKey = false;
	let escaped = false;
	let unicode = -1;
	let literal = '';
	let started = false;

	const valueDone = () => {
		literal = '';
		const top = stack.at(-1);
		if (top) top.expect = 'next';
	};
	const endLiteral = () => literal !== '' && valueDone();

	for (const ch of text) {
		if (inString) {
			if (unicode >= 0) unicode = /[0-9a-fA-F]/.test(ch) && unicode < 3 ? unicode + 1 : -1;
			else if (escaped) {
				escaped = false;
				if (ch === 'u') unicode = 0;
			} else if (ch === '\\') escaped = true;
			else if (ch === '"') {
				inString = false;
				if (stringIsKey) stack.at(-1)!.expect = 'colon';
				else valueDone();
			}
			continue;
		}
		if (/\s/.test(ch)) {
			endLiteral();
			continue;
		}
		started = true;
		const top = stack.at(-1);
		if (ch === '{' || ch === '[') {
			if (top) top.expect = 'next';
			stack.push({ object: ch === '{', expect: ch === '{' ? 'first-key' : 'first-value' });
		}
		else if (ch === '}' || ch === ']') {
			endLiteral();
			stack.pop();
			valueDone();
		} else if (ch === '"') {
			inString = true;
			stringIsKey = !!top?.object && (top.expect === 'key' || top.expect === 'first-key');
		} else if (ch === ':' && top) top.expect = 'value';
		else if (ch === ',' && top) {
			endLiteral();
			top.expect = top.object ? 'key' : 'value';
		} else literal += ch;
	}

	if (!started) return '{}';
	let suffix = '';
	if (inString) {
		if (unicode >= 0) suffix += '0'.repeat(4 - unicode);
		else if (escaped) suffix += 'n';
		suffix += '"';
		if (stringIsKey) stack.at(-1)!.expect = 'colon';
	} else if (literal !== '') {
		suffix += completeLiteral(literal);
	}
	if (literal !== '' || (inString && !stringIsKey)) {
		const top = stack.at(-1);
		if (top) top.expect = 'next';
	}
	for (const frame of stack.reverse()) {
		if (frame.expect === 'key') suffix += '"":null';
		else if (frame.expect === 'colon') suffix += ':null';
		else if (frame.expect === 'value') suffix += 'null';
		suffix += frame.object ? '}' : ']';
	}
	return suffix;
}

function completeLiteral(literal: string): string {
	for (const word of ['true', 'false', 'null']) if (word.startsWith(literal)) return word.slice(literal.length);
	return /[-+.eE]$/.test(literal) ? '0' : '';
}

/** `text` completed so that it parses (see `jsonClosingSuffix`). */
export function closeJson(text: string): string {
	try {
		JSON.parse(text);
		return text;
	} catch {
		return text + jsonClosingSuffix(text);
	}
}

/** How deeply objects and arrays nest in a parsed JSON value. Iterative: the value may be hostile. */
export function jsonDepth(value: unknown): number {
	let deepest = 0;
	const pending: [unknown, number][] = [[value, 0]];
	while (pending.length > 0) {
		const [item, depth] = pending.pop()!;
		if (item === null || typeof item !== 'object') continue;
		deepest = Math.max(deepest, depth + 1);
		for (const child of Object.values(item)) pending.push([child, depth + 1]);
	}
	return deepest;
}
