/**
 * The conversation on the chat page: its messages (every branch), the branch on screen, the answer
 * streaming into it and the actions on messages. The server saves everything; this mirrors it.
 */
import { ApiError } from '$lib/client/api';
import * as api from '$lib/client/conversations';
import { latestLeafUnder, pathTo, siblingsOf, type AttachmentWire, type ConversationWire, type GenerateEvent, type MessageWire } from '$lib/types/conversations';

/** Deltas are shown in batches at most this often: a re-render per token would swamp the page. */
const FLUSH_MS = 50;

export type Draft = { text: string; attachments: Omit<AttachmentWire, 'size_bytes'>[] };

export class ConversationState {
	conversation: ConversationWire | null = $state(null);
	/** The answer being written now, if any. */
	streamingId: string | null = $state(null);
	/** The answer being written has received no text yet (the model may still be loading). */
	waiting = $state(false);
	/** When the answer being written was asked for (ms since the epoch). */
	askedAt = $state(0);
	error = $state('');
	#controller: AbortController | null = null;

	branch: MessageWire[] = $derived(this.conversation ? pathTo(this.conversation.messages, this.conversation.current_leaf_id) : []);
	streaming = $derived(this.streamingId !== null);

	load(conversation: ConversationWire | null): void {
		if (this.streaming && conversation?.id !== this.conversation?.id) this.stop();
		this.conversation = conversation;
		this.error = '';
	}

	/** Branches beside `message`: its position (1-based) and how many there are. */
	branchInfo(message: MessageWire): { index: number; count: number } {
		const siblings = this.conversation ? siblingsOf(this.conversation.messages, message) : [message];
		return { index: siblings.findIndex((m) => m.id === message.id) + 1, count: siblings.length };
	}

	#push(message: MessageWire): MessageWire {
		const c = this.conversation!;
		const at = c.messages.findIndex((m) => m.id === message.id);
		if (at >= 0) c.messages[at] = message;
		else c.messages.push(message);
		c.current_leaf_id = message.id;
		return c.messages.find((m) => m.id === message.id)!;
	}

	/** Sends a new question after the branch on screen and streams the answer. */
	async send(draft: Draft): Promise<void> {
		if (!this.conversation || this.streaming) return;
		const parent = this.branch.at(-1) ?? null;
		await this.#ask(draft, parent?.id ?? null);
	}

	/** Edit-and-resend: the edited question becomes a new branch beside the old one, which is kept. */
	async edit(message: MessageWire, text: string): Promise<void> {
		if (!this.conversation || this.streaming) return;
		await this.#ask({ text, attachments: message.attachments.map(({ name, text }) => ({ name, text })) }, message.parent_id);
	}

	async #ask(draft: Draft, parentId: string | null): Promise<void> {
		this.error = '';
		try {
			const question = await api.addMessage(this.conversation!.id, { role: 'user', content: draft.text, parent_id: parentId, attachments: draft.attachments });
			this.#push(question);
			if (this.conversation!.title === 'New chat') void this.#refreshTitle();
			await this.#generate({ parent_id: question.id });
		} catch (err) {
			this.error = describeChatError(err);
		}
	}

	async #refreshTitle(): Promise<void> {
		const fresh = await api.getConversation(this.conversation!.id).catch(() => null);
		if (fresh && this.conversation?.id === fresh.id) this.conversation.title = fresh.title;
	}

	/** Another answer to the same question, as a new branch. */
	regenerate(answer: MessageWire): Promise<void> {
		return answer.parent_id && !this.streaming ? this.#generate({ parent_id: answer.parent_id }) : Promise.resolve();
	}

	/** More of a cut answer, appended to it. */
	continue(answer: MessageWire): Promise<void> {
		return this.streaming ? Promise.resolve() : this.#generate({ continue_id: answer.id });
	}

	async #generate(body: { parent_id: string } | { continue_id: string }): Promise<void> {
		const id = this.conversation!.id;
		const controller = new AbortController();
		this.#controller = controller;
		this.error = '';
		this.waiting = true;
		this.askedAt = Date.now();
		let answer: MessageWire | null = null;
		let buffered = { content: '', reasoning: '' };
		let timer: ReturnType<typeof setTimeout> | null = null;
		const flush = () => {
			if (timer) clearTimeout(timer);
			timer = null;
			if (!answer) return;
			if (buffered.content) answer.content += buffered.content;
			if (buffered.reasoning) answer.reasoning += buffered.reasoning;
			buffered = { content: '', reasoning: '' };
		};
		const onEvent = (event: GenerateEvent) => {
			if (this.conversation?.id !== id) return;
			if (event.type === 'start') {
				answer = this.#push(event.message);
				this.streamingId = event.message.id;
			} else if (event.type === 'delta') {
				this.waiting = false;
				buffered.content += event.content ?? '';
				buffered.reasoning += event.reasoning ?? '';
				timer ??= setTimeout(flush, FLUSH_MS);
			} else {
				flush();
				if (event.message) answer = this.#push(event.message);
				if (event.type === 'error') this.error = describeChatError(new ApiError(event.status, event.detail, event.code));
			}
		};
		try {
			await api.streamAnswer(id, body, controller.signal, onEvent);
			flush();
		} catch (err) {
			flush();
			if (controller.signal.aborted) {
				const cut = answer as MessageWire | null;
				if (cut && cut.status === 'streaming') (cut.status = 'stopped'), (cut.finish_reason = 'cancelled');
			} else {
				this.error = describeChatError(err);
			}
		} finally {
			if (this.#controller === controller) {
				this.#controller = null;
				this.streamingId = null;
				this.waiting = false;
			}
		}
	}

	/** Stops the answer being written; the server keeps what was written, marked stopped. */
	stop(): void {
		this.#controller?.abort();
	}

	/** Shows the previous (`-1`) or next (`+1`) branch at `message`. */
	async switchBranch(message: MessageWire, step: -1 | 1): Promise<void> {
		const c = this.conversation;
		if (!c || this.streaming) return;
		const siblings = siblingsOf(c.messages, message);
		const target = siblings[siblings.findIndex((m) => m.id === message.id) + step];
		if (!target) return;
		const leaf = latestLeafUnder(c.messages, target.id);
		c.current_leaf_id = leaf;
		await api.updateConversation(c.id, { current_leaf_id: leaf }).catch((err) => (this.error = describeChatError(err)));
	}

	/** Deletes a message and what follows it on its branch. */
	async remove(message: MessageWire): Promise<void> {
		const c = this.conversation;
		if (!c || this.streaming) return;
		try {
			await api.deleteMessage(c.id, message.id);
			this.load(await api.getConversation(c.id));
		} catch (err) {
			this.error = describeChatError(err);
		}
	}
}

export function describeChatError(err: unknown): string {
	if (err instanceof ApiError) {
		if (err.status === 503) return `The model cannot run right now: ${err.message}`;
		if (err.status === 404) return err.code === 'model_not_found' ? `Model not found: ${err.message}` : err.message;
		if (err.status === 401) return 'Your session has ended. Sign in again.';
		return err.message;
	}
	if (err instanceof TypeError) return 'The connection to the server was lost.';
	return err instanceof Error ? err.message : String(err);
}
