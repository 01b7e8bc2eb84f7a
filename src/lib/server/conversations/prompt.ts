/** A branch of a saved conversation as the OpenAI messages `/v1/chat/completions` takes. */
import type { schema } from '../db';

export type PromptMessage = { role: 'system' | 'user' | 'assistant'; content: string };

/** A fence longer than any run of backticks in `text`, so a file's own fences cannot close it. */
function fenceFor(text: string): string {
	const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
	return '`'.repeat(Math.max(3, longest + 1));
}

/** A user message's text with its attached files inlined after it. */
export function withAttachments(content: string, attachments: schema.MessageAttachment[]): string {
	const files = attachments.map((a) => {
		const fence = fenceFor(a.text);
		return `File: ${a.name}\n${fence}\n${a.text}\n${fence}`;
	});
	return [content, ...files].filter((part) => part.trim()).join('\n\n');
}

/** Rough token count (no model at hand): about 3.5 characters per token in English text and code. */
export const estimateTokens = (text: string) => Math.ceil(text.length / 3.5);

/**
 * The branch as prompt messages: the chat's system prompt first, then each turn. With a context
 * budget, the oldest turns are left out until the rest fits (the last turn is always sent).
 */
export function buildPrompt(path: schema.ConversationMessage[], settings: schema.ConversationSettings): PromptMessage[] {
	const turns: PromptMessage[] = path.map((m) => ({
		role: m.role,
		content: m.role === 'user' ? withAttachments(m.content, m.attachments ?? []) : m.content
	}));
	const system: PromptMessage[] = settings.system_prompt.trim() ? [{ role: 'system', content: settings.system_prompt.trim() }] : [];
	if (settings.context_size) {
		let budget = settings.context_size - (settings.max_tokens ?? 0) - system.reduce((n, m) => n + estimateTokens(m.content), 0);
		let keep = turns.length;
		while (keep > 0) {
			budget -= estimateTokens(turns[keep - 1].content);
			if (budget < 0 && keep < turns.length) break;
			keep--;
		}
		// Start at a user turn, so the model never sees an answer to a question it was not sent.
		let from = keep;
		while (from < turns.length - 1 && turns[from].role !== 'user') from++;
		return [...system, ...turns.slice(from)];
	}
	return [...system, ...turns];
}
