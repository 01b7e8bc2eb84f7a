import type { Lease } from '../pool';
import { chatPromptTokens, checkPromptFits, prepareChat, type PreparedChat } from './chat';
import type { ChatCompletionRequest } from './openai';
import { leaseFor, samplingFor, type Sampling } from './sampling';
import { resolveTarget, type Target } from './target';
import type { V1Context } from './v1';

export type StartedChat = {
	target: Target;
	prepared: PreparedChat;
	/** The prompt's tokens, for leasing further sequences (`n` choices) with the same prefix match. */
	prompt: ReturnType<typeof chatPromptTokens>;
	lease: Lease;
	sampling: Sampling;
};

/**
 * What every chat-shaped `/v1` endpoint does before generating: resolve the model, apply the chat
 * template, lease a sequence (the one sharing the longest prefix), derive sampling and refuse a
 * prompt over the context (a 400 before anything is streamed). `tune` adjusts sampling for the
 * endpoint's own parameters. Any failure after the lease releases it.
 */
export async function startChat(ctx: V1Context, req: ChatCompletionRequest, tune?: (sampling: Sampling, lease: Lease) => void): Promise<StartedChat> {
	const target = await resolveTarget(req.model, ctx.caller);
	const prepared = await prepareChat(req, target.profile?.systemPrompt ?? '');
	const prompt = chatPromptTokens(prepared);
	const lease = await leaseFor(target, ctx.signal, prompt);
	try {
		const sampling = samplingFor(req, target, lease.context.contextSize);
		tune?.(sampling, lease);
		await checkPromptFits(lease, prepared);
		return { target, prepared, prompt, lease, sampling };
	} catch (err) {
		lease.release();
		throw err;
	}
}
