/** A conversation as a file: Markdown to read, JSON to keep (every branch, settings and statistics). */
import { pathTo } from '$lib/types/conversations';
import type { schema } from '../db';
import { readConversation } from './messages';
import { conversationToWire } from './wire';

function markdownOf(conversation: schema.Conversation, branch: ReturnType<typeof conversationToWire>['messages']): string {
	const lines = [`# ${conversation.title}`, ''];
	if (conversation.settings.model) lines.push(`Model: \`${conversation.settings.model}\``, '');
	if (conversation.settings.system_prompt.trim()) lines.push('## System', '', conversation.settings.system_prompt.trim(), '');
	for (const m of branch) {
		lines.push(`## ${m.role === 'user' ? 'User' : 'Assistant'}`, '');
		if (m.reasoning) lines.push('<details><summary>Reasoning</summary>', '', m.reasoning, '', '</details>', '');
		lines.push(m.content, '');
		for (const a of m.attachments) lines.push(`Attached: ${a.name} (${a.size_bytes} bytes)`, '');
		if (m.status === 'stopped') lines.push('_(stopped)_', '');
	}
	return lines.join('\n');
}

/** A file name from the title: letters, digits and dashes only. */
function fileNameOf(title: string, ext: string): string {
	const base = title.normalize('NFKD').replace(/[^\w-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'conversation';
	return `${base}.${ext}`;
}

export async function exportConversation(userId: string, id: string, format: 'md' | 'json'): Promise<Response> {
	const { conversation, messages } = await readConversation(userId, id);
	const wire = conversationToWire(conversation, messages);
	const body = format === 'json' ? JSON.stringify(wire, null, 2) : markdownOf(conversation, pathTo(wire.messages, wire.current_leaf_id));
	return new Response(body, {
		headers: {
			'content-type': format === 'json' ? 'application/json; charset=utf-8' : 'text/markdown; charset=utf-8',
			'content-disposition': `attachment; filename="${fileNameOf(conversation.title, format)}"`,
			'cache-control': 'no-store'
		}
	});
}
