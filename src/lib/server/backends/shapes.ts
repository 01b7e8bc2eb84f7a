/**
 * OpenAI chat completions in Anthropic's Messages shapes and back, for a backend that speaks the
 * other protocol than the client: requests, whole answers, and one stream event at a time.
 */
type Json = Record<string, any>;

const textOf = (content: unknown): string =>
	typeof content === 'string'
		? content
		: Array.isArray(content)
			? content.flatMap((p) => (p && (p.type === 'text' || p.type === 'input_text') && typeof p.text === 'string' ? [p.text] : [])).join('\n')
			: '';

/** An OpenAI content part as an Anthropic block (text and images). */
function blockOf(part: Json): Json | null {
	if (part.type === 'text') return { type: 'text', text: String(part.text ?? '') };
	if (part.type === 'image_url') {
		const url = String(part.image_url?.url ?? '');
		const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
		return m ? { type: 'image', source: { type: 'base64', media_type: m[1], data: m[2] } } : { type: 'image', source: { type: 'url', url } };
	}
	return null;
}

function contentOf(content: unknown): string | Json[] {
	if (typeof content === 'string') return content;
	if (!Array.isArray(content)) return '';
	return content.flatMap((p) => {
		const b = p && typeof p === 'object' ? blockOf(p) : null;
		return b ? [b] : [];
	});
}

function parseArgs(text: unknown): unknown {
	try {
		return JSON.parse(typeof text === 'string' && text ? text : '{}');
	} catch {
		return {};
	}
}

function toolChoiceOf(choice: unknown): Json | undefined {
	if (choice === 'auto') return { type: 'auto' };
	if (choice === 'required') return { type: 'any' };
	if (choice === 'none') return { type: 'none' };
	const name = (choice as Json)?.function?.name;
	return typeof name === 'string' ? { type: 'tool', name } : undefined;
}

/** A chat completions request as a Messages request (`max_tokens` is required there: 4096 when not given). */
export function chatToMessages(req: Json, model: string): Json {
	const system: string[] = [];
	const messages: Json[] = [];
	const push = (role: 'user' | 'assistant', blocks: Json[]) => {
		const last = messages.at(-1);
		if (last && last.role === role && Array.isArray(last.content)) last.content.push(...blocks);
		else messages.push({ role, content: blocks });
	};
	for (const m of (req.messages ?? []) as Json[]) {
		if (m.role === 'system' || m.role === 'developer') system.push(textOf(m.content));
		else if (m.role === 'tool') push('user', [{ type: 'tool_result', tool_use_id: String(m.tool_call_id ?? ''), content: textOf(m.content) }]);
		else if (m.role === 'assistant') {
			const blocks: Json[] = [];
			const text = textOf(m.content);
			if (text) blocks.push({ type: 'text', text });
			for (const call of (m.tool_calls ?? []) as Json[]) {
				blocks.push({ type: 'tool_use', id: String(call.id), name: String(call.function?.name ?? ''), input: parseArgs(call.function?.arguments) });
			}
			push('assistant', blocks.length ? blocks : [{ type: 'text', text: '' }]);
		} else {
			const c = contentOf(m.content);
			push('user', typeof c === 'string' ? [{ type: 'text', text: c }] : c);
		}
	}
	const out: Json = { model, messages, max_tokens: req.max_completion_tokens ?? req.max_tokens ?? 4096 };
	if (system.length) out.system = system.join('\n\n');
	if (req.temperature != null) out.temperature = Math.min(1, req.temperature);
	if (req.top_p != null) out.top_p = req.top_p;
	if (req.stop != null) out.stop_sequences = Array.isArray(req.stop) ? req.stop : [req.stop];
	if (req.stream === true) out.stream = true;
	if (Array.isArray(req.tools)) {
		out.tools = req.tools.map((t: Json) => ({ name: t.function?.name, description: t.function?.description, input_schema: t.function?.parameters ?? { type: 'object' } }));
	}
	const choice = toolChoiceOf(req.tool_choice);
	if (choice) out.tool_choice = choice;
	if (req.user) out.metadata = { user_id: String(req.user) };
	return out;
}

export function finishReasonOf(stop: unknown): string {
	if (stop === 'max_tokens') return 'length';
	if (stop === 'tool_use') return 'tool_calls';
	return 'stop';
}

export function chatUsageOf(u: Json | undefined) {
	const cached = u?.cache_read_input_tokens ?? 0;
	const prompt = (u?.input_tokens ?? 0) + cached + (u?.cache_creation_input_tokens ?? 0);
	const completion = u?.output_tokens ?? 0;
	return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cached } };
}

/** A Messages answer as a chat completion. */
export function messageToChat(msg: Json, id: string, model: string): Json {
	const blocks = (Array.isArray(msg.content) ? msg.content : []) as Json[];
	const text = blocks.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
	const reasoning = blocks.flatMap((b) => (b.type === 'thinking' ? [b.thinking] : [])).join('');
	const calls = blocks.flatMap((b) => (b.type === 'tool_use' ? [{ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) } }] : []));
	const message: Json = { role: 'assistant', content: calls.length && !text ? null : text, refusal: null };
	if (reasoning) message.reasoning_content = reasoning;
	if (calls.length) message.tool_calls = calls;
	return {
		id,
		object: 'chat.completion',
		created: Math.floor(Date.now() / 1000),
		model,
		choices: [{ index: 0, message, logprobs: null, finish_reason: finishReasonOf(msg.stop_reason) }],
		usage: chatUsageOf(msg.usage)
	};
}

/** Turns Anthropic stream events into chat completion chunk deltas, one event at a time. */
export class AnthropicToChat {
	#tools = new Map<number, number>();
	usage: Json = {};
	finish: string | null = null;

	/** The deltas for one event (possibly none); throws the message of an `error` event. */
	deltas(type: string, data: Json): Json[] {
		switch (type) {
			case 'message_start':
				this.usage = { ...this.usage, ...data.message?.usage };
				return [{ role: 'assistant', content: '' }];
			case 'content_block_start': {
				const block = data.content_block ?? {};
				if (block.type !== 'tool_use') return [];
				const index = this.#tools.size;
				this.#tools.set(data.index, index);
				return [{ tool_calls: [{ index, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }] }];
			}
			case 'content_block_delta': {
				const d = data.delta ?? {};
				if (d.type === 'text_delta') return d.text ? [{ content: d.text }] : [];
				if (d.type === 'thinking_delta') return d.thinking ? [{ reasoning_content: d.thinking }] : [];
				if (d.type === 'input_json_delta' && d.partial_json) return [{ tool_calls: [{ index: this.#tools.get(data.index) ?? 0, function: { arguments: d.partial_json } }] }];
				return [];
			}
			case 'message_delta':
				this.usage = { ...this.usage, ...data.usage };
				this.finish = finishReasonOf(data.delta?.stop_reason);
				return [];
			case 'error':
				throw new Error(String(data.error?.message ?? 'the backend reported an error'));
			default:
				return [];
		}
	}
}
