/** The browser's side of `/api/conversations`: same-origin calls and the answer stream. */
import type { AttachmentWire, ConversationSettingsWire, ConversationSummary, ConversationWire, GenerateEvent, MessageWire } from '$lib/types/conversations';
import { ApiError, apiFetch } from './api';
import { readSseData } from './sse';

const base = '/api/conversations';

export const listConversations = (q = '') => apiFetch<ConversationSummary[]>(q ? `${base}?q=${encodeURIComponent(q)}` : base);
export const createConversation = (settings: Partial<ConversationSettingsWire>) => apiFetch<ConversationWire>(base, { method: 'POST', body: { settings } });
export const getConversation = (id: string) => apiFetch<ConversationWire>(`${base}/${id}`);
export const updateConversation = (id: string, patch: { title?: string; settings?: Partial<ConversationSettingsWire>; current_leaf_id?: string }) =>
	apiFetch<ConversationWire>(`${base}/${id}`, { method: 'PATCH', body: patch });
export const deleteConversation = (id: string) => apiFetch<void>(`${base}/${id}`, { method: 'DELETE' });
export const addMessage = (id: string, body: { role: 'user' | 'assistant'; content: string; parent_id: string | null; attachments?: Omit<AttachmentWire, 'size_bytes'>[] }) =>
	apiFetch<MessageWire>(`${base}/${id}/messages`, { method: 'POST', body });
export const deleteMessage = (id: string, messageId: string) => apiFetch<void>(`${base}/${id}/messages/${messageId}`, { method: 'DELETE' });
export const exportUrl = (id: string, format: 'md' | 'json') => `${base}/${id}/export?format=${format}`;

/** Streams an answer; `onEvent` sees `start`, each `delta`, then `done` or `error`. Aborting stops generation. */
export async function streamAnswer(
	id: string,
	body: { parent_id: string } | { continue_id: string },
	signal: AbortSignal,
	onEvent: (event: GenerateEvent) => void
): Promise<void> {
	const response = await fetch(`${base}/${id}/generate`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
		body: JSON.stringify(body),
		signal
	});
	if (!response.ok || !response.body) {
		const data = await response.json().catch(() => null);
		throw new ApiError(response.status, data?.detail ?? `Request failed (${response.status})`, data?.code ?? null);
	}
	for await (const data of readSseData(response.body)) {
		let event: GenerateEvent;
		try {
			event = JSON.parse(data);
		} catch {
			continue; // not an event of ours
		}
		onEvent(event);
	}
}
