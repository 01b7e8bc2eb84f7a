/**
 * Reads a forced answer (`{"tool_calls": [{"name": …, "arguments": …}]}` or `{"response": …}`) as it
 * is generated, so a stream can send OpenAI-shaped deltas: a call's name as soon as it is complete,
 * then its arguments text piece by piece, and an answer's text as it comes. The raw text of each
 * value is passed through unchanged, so the pieces joined equal the value in the final answer.
 */

export type EnvelopeEvent =
	| { type: 'call'; index: number; name: string }
	| { type: 'arguments'; index: number; text: string }
	| { type: 'response'; text: string };

type Frame = { object: boolean; key: string | null; index: number; expectKey: boolean };
type Capture = { depth: number; target: 'arguments' | 'response' | 'name'; index: number; scalar: boolean; done: boolean };

export class EnvelopeStream {
	#stack: Frame[] = [];
	#inString = false;
	#escaped = false;
	#stringIsKey = false;
	#key = '';
	#capture: Capture | null = null;
	#captured = '';
	#pieces: EnvelopeEvent[] = [];

	/** Feeds the next generated text; returns the events it completes. */
	feed(text: string): EnvelopeEvent[] {
		this.#pieces = [];
		for (const ch of text) this.#char(ch);
		this.#flush();
		return this.#pieces;
	}

	#path(): (string | number)[] {
		return this.#stack.map((f) => (f.object ? (f.key ?? '') : f.index));
	}

	/** A value starts at the current position: is it one we pass through? */
	#startValue(ch: string): void {
		if (this.#capture) return;
		const path = this.#path();
		const scalar = ch !== '{' && ch !== '[' && ch !== '"';
		const depth = this.#stack.length;
		if (path.length === 1 && path[0] === 'response') {
			this.#capture = { depth, target: 'response', index: 0, scalar, done: false };
		} else if (path.length === 3 && path[0] === 'tool_calls' && typeof path[1] === 'number') {
			if (path[2] === 'arguments') this.#capture = { depth, target: 'arguments', index: path[1], scalar, done: false };
			else if (path[2] === 'name' && ch === '"') this.#capture = { depth, target: 'name', index: path[1], scalar: false, done: false };
		}
	}

	#flush(): void {
		const c = this.#capture;
		if (!c) return;
		if (c.target === 'name') {
			if (c.done) this.#pieces.push({ type: 'call', index: c.index, name: JSON.parse(this.#captured) as string });
		} else if (this.#captured) {
			this.#pieces.push(c.target === 'response' ? { type: 'response', text: this.#captured } : { type: 'arguments', index: c.index, text: this.#captured });
		}
		if (c.target !== 'name' || c.done) this.#captured = '';
		if (c.done) this.#capture = null;
	}

	#endValue(): void {
		const top = this.#stack.at(-1);
		if (top && !top.object) top.expectKey = false;
		if (this.#capture && !this.#capture.done && this.#stack.length === this.#capture.depth) {
			this.#capture.done = true;
			this.#flush();
		}
	}

	#char(ch: string): void {
		const c = this.#capture;
		if (this.#inString) {
			if (c && !c.done) this.#captured += ch;
			const closing = !this.#escaped && ch === '"';
			if (this.#stringIsKey && !closing) this.#key += ch;
			if (this.#escaped) this.#escaped = false;
			else if (ch === '\\') this.#escaped = true;
			else if (closing) {
				this.#inString = false;
				if (this.#stringIsKey) this.#stack.at(-1)!.key = safeParse(this.#key);
				else this.#endValue();
			}
			return;
		}
		const top = this.#stack.at(-1);
		if (c && !c.done && c.scalar && this.#stack.length === c.depth && /[\s,}\]]/.test(ch)) this.#endValue();
		if (/\s/.test(ch)) {
			if (this.#capture && !this.#capture.done && !this.#capture.scalar) this.#captured += ch;
			return;
		}
		const keyPosition = top?.object && top.expectKey;
		if (ch === '"' && keyPosition) {
			this.#inString = true;
			this.#stringIsKey = true;
			this.#key = '"';
			if (this.#capture && !this.#capture.done) this.#captured += ch;
			return;
		}
		if (ch === ':' || ch === ',') {
			if (this.#capture && !this.#capture.done) this.#captured += ch;
			if (ch === ',' && top) {
				if (top.object) top.expectKey = true;
				else top.index++;
			}
			if (ch === ':' && top) top.expectKey = false;
			return;
		}
		if (ch === '}' || ch === ']') {
			if (this.#capture && !this.#capture.done) this.#captured += ch;
			this.#stack.pop();
			this.#endValue();
			return;
		}
		// The first character of a value.
		this.#startValue(ch);
		if (this.#capture && !this.#capture.done) this.#captured += ch;
		if (ch === '{' || ch === '[') {
			this.#stack.push({ object: ch === '{', key: null, index: 0, expectKey: ch === '{' });
		} else if (ch === '"') {
			this.#inString = true;
			this.#stringIsKey = false;
		}
	}
}

function safeParse(quoted: string): string {
	try {
		return JSON.parse(`${quoted}"`) as string;
	} catch {
		return quoted.slice(1);
	}
}
