/**
 * An answer generated into a saved conversation. It runs through the app's own `/v1/chat/completions`
 * (same credentials, limits and audit row as any client), and the server — not the page — saves the
 * text as it streams: a reload shows what was written so far, and an answer cut off by Stop, a closed
 * tab or a lost connection is kept, marked stopped.
 */
import type { RequestEvent } from '@sveltejs/kit';
import { pathTo, type GenerateEvent } from '$lib/types/conversations';
import { readSseData } from '$lib/client/sse';
import type { Caller } from '../auth/types';
import type { schema } from '../db';
import { AppError, BadRequestError, ConflictError } from '../http/errors';
import * as inference from '../inference';
import { log } from '../log';
import { getPool } from '../pool';
import { activeAnswers, getMessage, messageNotFound, readConversation, reopenAnswer, saveAnswer, startAnswer, type AnswerUpdate } from './messages';
import { buildPrompt } from './prompt';
import type { Generate } from './schemas';
import { messageToWire } from './wire';

/** Text is written to the database at most this often while it streams. */
const SAVE_EVERY_MS = 1000;

type Chunk = {
	choices?: { delta?: { content?: string | null; reasoning_content?: string | null }; finish_reason?: string | null }[];
	usage?: { prompt_tokens: number; completion_tokens: number } | null;
	error?: { message?: string; code?: string | null };
};

/** Checks the request against the stored conversation; returns the branch to send and the answer to write. */
async function plan(caller: Caller, conversationId: string, body: Generate) {
	const { conversation, messages } = await readConversation(caller.user.id, conversationId);
	const wire = messages.map((m) => ({ ...m, parent_id: m.parentId, created_at: m.createdAt.toISOString() }));
	const targetId = 'parent_id' in body ? body.parent_id : body.continue_id;
	const target = messages.find((m) => m.id === targetId);
	if (!target) throw messageNotFound();
	if ('parent_id' in body && target.role !== 'user') throw new BadRequestError('parent_id must be a user message', 'invalid_request');
	if ('continue_id' in body && target.role !== 'assistant') throw new BadRequestError('continue_id must be an answer', 'invalid_request');
	if (activeAnswers().has(target.id)) throw new ConflictError('This answer is still being written', 'answer_streaming');
	const model = conversation.settings.model;
	if (!model) throw new BadRequestError('Choose a model for this conversation first', 'model_required');
	// An unknown model, or one this caller's key may not use, is refused before anything is written.
	const resolved = await inference.resolveTarget(model, caller);
	const path = pathTo(wire, target.id) as unknown as schema.ConversationMessage[];
	return { conversation, target, path, model, modelId: resolved.modelId };
}

export async function generateAnswer(event: RequestEvent, caller: Caller, conversationId: string, body: Generate): Promise<Response> {
	const { conversation, target, path, model, modelId } = await plan(caller, conversationId, body);
	const settings = conversation.settings;
	const continuing = 'continue_id' in body;
	const answer = continuing ? await reopenAnswer(target.id) : await startAnswer(conversationId, target.id, model);
	activeAnswers().add(answer.id);

	const abort = new AbortController();
	const request = new Request(new URL('/v1/chat/completions', event.url), {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({
			model,
			messages: buildPrompt(path, settings),
			stream: true,
			stream_options: { include_usage: true },
			...(settings.temperature !== null ? { temperature: settings.temperature } : {}),
			...(settings.top_p !== null ? { top_p: settings.top_p } : {}),
			...(settings.max_tokens !== null ? { max_tokens: settings.max_tokens } : {})
		}),
		signal: abort.signal
	});
	const v1Event = Object.create(event, { request: { value: request } }) as RequestEvent;
	const t0 = performance.now();
	const text = { content: answer.content, reasoning: answer.reasoning };
	const times = { first: null as number | null, firstReasoning: null as number | null, firstContent: null as number | null };
	let usage: Chunk['usage'] = null;
	let finishReason: string | null = null;
	let failure: { detail: string; code: string; status: number } | null = null;

	// Writes are chained so the final one lands after every progress save.
	let saving: Promise<unknown> = Promise.resolve();
	let lastSave = 0;
	const save = (update: AnswerUpdate) => (saving = saving.then(() => saveAnswer(answer.id, update)).catch((err) => log.warn('saving an answer failed', { error: String(err) })));

	const stream = new ReadableStream<Uint8Array>({
		async start(controller) {
			const encoder = new TextEncoder();
			let open = true;
			const send = (e: GenerateEvent) => {
				if (!open) return;
				try {
					controller.enqueue(encoder.encode(`data: ${JSON.stringify(e)}\n\n`));
				} catch {
					open = false;
				}
			};
			send({ type: 'start', message: messageToWire(answer) });
			try {
				const response = await inference.v1Route('/v1/chat/completions', inference.chatCompletions)(v1Event);
				if (!response.ok || !response.body) {
					const data = await response.json().catch(() => null);
					failure = { detail: data?.error?.message ?? `Generation failed (${response.status})`, code: data?.error?.code ?? 'generation_failed', status: response.status };
				} else {
					for await (const data of readSseData(response.body)) {
						if (data === '[DONE]') break;
						let chunk: Chunk;
						try {
							chunk = JSON.parse(data);
						} catch {
							continue;
						}
						if (chunk.error) {
							failure = { detail: chunk.error.message ?? 'Generation failed', code: chunk.error.code ?? 'generation_failed', status: chunk.error.code === 'timeout' ? 504 : 500 };
							break;
						}
						if (chunk.usage) usage = chunk.usage;
						for (const choice of chunk.choices ?? []) {
							const now = performance.now() - t0;
							const reasoning = choice.delta?.reasoning_content;
							const content = choice.delta?.content;
							if (reasoning) {
								times.first ??= now;
								times.firstReasoning ??= now;
								text.reasoning += reasoning;
							}
							if (content) {
								times.first ??= now;
								times.firstContent ??= now;
								text.content += content;
							}
							if (reasoning || content) send({ type: 'delta', ...(content ? { content } : {}), ...(reasoning ? { reasoning } : {}) });
							if (choice.finish_reason) finishReason = choice.finish_reason;
						}
						if (performance.now() - lastSave > SAVE_EVERY_MS) {
							lastSave = performance.now();
							save({ content: text.content, reasoning: text.reasoning });
						}
					}
				}
			} catch (err) {
				if (!abort.signal.aborted) {
					failure = err instanceof AppError ? { detail: err.message, code: err.code, status: err.status } : { detail: 'Generation failed', code: 'generation_failed', status: 500 };
					if (!(err instanceof AppError)) log.error('generating an answer failed', { error: err instanceof Error ? err.stack : String(err) });
				}
			} finally {
				const status = failure ? 'error' : abort.signal.aborted || !finishReason ? 'stopped' : 'complete';
				const elapsed = performance.now() - t0;
				const generatedFor = times.first === null ? 0 : elapsed - times.first;
				const stats: schema.MessageStats = {
					ttft_ms: times.first === null ? null : Math.round(times.first),
					tokens_per_second: usage && generatedFor > 0 ? Math.round((usage.completion_tokens / generatedFor) * 10_000) / 10 : null,
					prompt_tokens: usage?.prompt_tokens ?? null,
					completion_tokens: usage?.completion_tokens ?? null,
					context_window: getPool().listLoaded().find((m) => m.id === modelId)?.contextSize ?? null,
					reasoning_ms:
						times.firstReasoning === null ? (continuing ? (target.stats?.reasoning_ms ?? null) : null) : Math.round((times.firstContent ?? elapsed) - times.firstReasoning)
				};
				save({
					content: text.content,
					reasoning: text.reasoning,
					status,
					finishReason: status === 'stopped' ? 'cancelled' : (finishReason ?? (failure ? 'error' : null)),
					error: failure?.detail ?? null,
					stats
				});
				await saving;
				activeAnswers().delete(answer.id);
				const row = await getMessage(answer.id).catch(() => null);
				const final = row ? messageToWire(row) : null;
				if (failure) send({ type: 'error', message: final, ...failure });
				else if (final) send({ type: 'done', message: final });
				if (open) {
					open = false;
					try {
						controller.close();
					} catch {
						// the client already went away
					}
				}
			}
		},
		cancel() {
			// The page stopped reading (Stop, a closed tab): stop generating; what was written is kept.
			abort.abort();
		}
	});
	return new Response(stream, {
		headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' }
	});
}
