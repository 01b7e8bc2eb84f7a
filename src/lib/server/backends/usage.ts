/** Token usage and the first token, read from a backend's answers (OpenAI and Anthropic shapes). */
import type { Metering } from '../inference/v1';

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

/**
 * Takes usage from an answer or stream event: `usage` (chat, completions, embeddings, Messages),
 * `response.usage` (Responses' last event) or `message.usage` (Messages' `message_start`). A count
 * only ever replaces an earlier one when present, so Anthropic's input (at the start) and output
 * (at the end) both stick.
 */
export function meterUsage(meter: Metering, data: unknown): void {
	const d = data as { usage?: unknown; response?: { usage?: unknown }; message?: { usage?: unknown } } | null;
	const u = (d?.usage ?? d?.response?.usage ?? d?.message?.usage) as Record<string, any> | null | undefined;
	if (!u || typeof u !== 'object') return;
	const cacheRead = num(u.cache_read_input_tokens);
	const anthropicInput = num(u.input_tokens) !== undefined && (cacheRead !== undefined || num(u.cache_creation_input_tokens) !== undefined);
	const prompt = anthropicInput
		? (num(u.input_tokens) ?? 0) + (cacheRead ?? 0) + (num(u.cache_creation_input_tokens) ?? 0)
		: (num(u.prompt_tokens) ?? num(u.input_tokens));
	const completion = num(u.completion_tokens) ?? num(u.output_tokens);
	const cached = num(u.prompt_tokens_details?.cached_tokens) ?? num(u.input_tokens_details?.cached_tokens) ?? cacheRead;
	if (prompt !== undefined && (prompt > 0 || meter.promptTokens === 0)) meter.promptTokens = prompt;
	if (completion !== undefined) meter.completionTokens = completion;
	if (cached !== undefined) meter.cachedTokens = cached;
}

/** An event that carries generated text or a tool call's arguments (not an empty role chunk). */
const TOKEN = /"(content|text|delta|arguments|reasoning_content|thinking|partial_json)"\s*:\s*"[^"]/;

export function carriesTokens(data: string): boolean {
	return TOKEN.test(data);
}
