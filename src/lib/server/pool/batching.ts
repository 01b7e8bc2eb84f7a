import type { LlamaContext } from 'node-llama-cpp';

/** Event-loop turns a decode step waits at most for the remaining busy sequences to queue a token. */
const MAX_WAIT_TURNS = 4;

/**
 * A node-llama-cpp `batching.dispatchSchedule` that puts every busy sequence's next token into the
 * same decode step. The default (`nextCycle`) decodes on the next turn of the event loop, and with
 * several streams one of them regularly misses that turn (its previous token is still being turned
 * into text and sent), so it waits a whole extra step: aggregate throughput then hardly grows with
 * clients. This schedule dispatches as soon as every leased sequence has queued its token, or after
 * a few turns when some of them are not generating (waiting for a client, embedding, finishing).
 */
export function fullBatchSchedule(activeSequences: () => number) {
	let context: LlamaContext | null = null;
	/** Sequences with a token queued for the next decode (node-llama-cpp's own bookkeeping). */
	const queued = (): number => {
		const ids = (context as unknown as { _queuedDecodeSequenceIds?: Set<number> } | null)?._queuedDecodeSequenceIds;
		return ids instanceof Set ? ids.size : Number.POSITIVE_INFINITY;
	};
	return {
		attach(created: LlamaContext) {
			context = created;
		},
		schedule(dispatch: () => void) {
			// One busy sequence has nobody to wait for: at once, as node-llama-cpp itself does when every
			// sequence has queued. Its next token is then being computed before the last one's text
			// reaches the socket (that write waits for the current tick to end), so the reader's wake-up
			// does not take the CPU the decode needs, and no event-loop turn is lost per token.
			if (activeSequences() <= 1) return void dispatch();
			let turns = 0;
			const check = () => {
				// Nothing queued: node-llama-cpp already dispatched this batch (every sequence had a token).
				const waiting = queued();
				if (waiting === 0 || waiting >= activeSequences() || ++turns >= MAX_WAIT_TURNS) dispatch();
				else setImmediate(check);
			};
			setImmediate(check);
		}
	};
}
