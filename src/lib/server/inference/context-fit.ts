import type { LlamaModel, Token } from 'node-llama-cpp';
import { AppError } from '../http/errors';

/**
 * Checks that a prompt fits the context before anything is generated or streamed. A hostile input
 * (100,000 messages, megabytes of one character) is refused without tokenising it whole: message
 * count first (each message costs at least one token), then the text is tokenised in pieces with a
 * turn of the event loop between them, stopping as soon as the count is known to be too large. Only
 * a prompt that nearly fits is tokenised exactly, and that text is bounded by the context.
 */

/** The prompt does not fit the model's context (OpenAI's `context_length_exceeded`). */
export class ContextLengthExceededError extends AppError {
	constructor(message: string, param: string) {
		super(400, 'context_length_exceeded', message, { extra: { param } });
	}
}

/** No tokenizer packs more characters than this into one token on average: a longer text cannot fit. */
const MAX_CHARS_PER_TOKEN = 128;

/**
 * Longest text tokenised in one synchronous call before the context check (the pool's prefix
 * match); a longer prompt is matched to no particular sequence instead.
 */
export const MAX_SYNC_TOKENIZE_CHARS = 32 * 1024;

/** Characters tokenised per synchronous call. */
const PIECE_CHARS = 4096;

function pieces(text: string): string[] {
	if (text.length <= PIECE_CHARS) return [text];
	const out: string[] = [];
	let start = 0;
	while (start < text.length) {
		let end = Math.min(text.length, start + PIECE_CHARS);
		if (end < text.length) {
			// Cut before a space so words stay whole (the count stays close to the real one).
			const space = text.lastIndexOf(' ', end);
			if (space > start + PIECE_CHARS / 2) end = space;
		}
		out.push(text.slice(start, end));
		start = end;
	}
	return out;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Counts the tokens of `texts` in pieces, yielding between pieces, and stops once the count is over
 * `limit` by more than the pieces could have over-counted (one token each at a cut). Returns the
 * count so far and whether it is certainly over.
 */
export async function countTokensBounded(model: LlamaModel, texts: readonly string[], limit: number): Promise<{ count: number; over: boolean }> {
	let count = 0;
	let cuts = 0;
	let sinceYield = 0;
	for (const text of texts) {
		for (const piece of pieces(text)) {
			count += model.tokenize(piece).length;
			cuts++;
			sinceYield += piece.length;
			if (count - cuts > limit) return { count: count - cuts, over: true };
			if (sinceYield >= PIECE_CHARS) {
				sinceYield = 0;
				await nextTurn();
			}
		}
	}
	return { count, over: false };
}

export function overflowMessage(contextSize: number, tokens: number, what: string, atLeast = false): string {
	return (
		`This model's maximum context length is ${contextSize} tokens. However, your ${what} resulted in ` +
		`${atLeast ? 'more than ' : ''}${tokens} tokens. Please reduce the length of the ${what}.`
	);
}

/**
 * Refuses a chat whose `messageCount` messages of `texts` cannot fit `contextSize`, cheaply; then
 * `exact()` (the rendered prompt's tokens) decides. Returns the exact prompt token count.
 */
export async function checkChatFits(
	model: LlamaModel,
	contextSize: number,
	messageCount: number,
	texts: readonly string[],
	exact: () => Token[] | readonly Token[]
): Promise<number> {
	if (messageCount >= contextSize) {
		throw new ContextLengthExceededError(
			`This model's maximum context length is ${contextSize} tokens. However, your request has ${messageCount} messages, which cannot fit. Please reduce the number of messages.`,
			'messages'
		);
	}
	const chars = texts.reduce((sum, t) => sum + t.length, 0);
	if (chars > contextSize * MAX_CHARS_PER_TOKEN) {
		throw new ContextLengthExceededError(overflowMessage(contextSize, Math.ceil(chars / MAX_CHARS_PER_TOKEN), 'messages', true), 'messages');
	}
	const bounded = await countTokensBounded(model, texts, contextSize);
	if (bounded.over) throw new ContextLengthExceededError(overflowMessage(contextSize, bounded.count, 'messages', true), 'messages');
	const tokens = exact().length;
	// node-llama-cpp needs the prompt plus one free token to stay under the context size, and then
	// one token is left for the answer.
	if (tokens + 1 >= contextSize) throw new ContextLengthExceededError(overflowMessage(contextSize, tokens, 'messages'), 'messages');
	return tokens;
}

/** The same check for a raw prompt (completions, embeddings). Returns its tokens. */
export async function checkTextFits(model: LlamaModel, limit: number, text: string, param: string, what = 'prompt'): Promise<Token[]> {
	const bounded = await countTokensBounded(model, [text], limit);
	if (bounded.over) throw new ContextLengthExceededError(overflowMessage(limit, bounded.count, what, true), param);
	const tokens = model.tokenize(text);
	if (tokens.length > limit) throw new ContextLengthExceededError(overflowMessage(limit, tokens.length, what), param);
	return tokens;
}
