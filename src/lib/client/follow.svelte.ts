/**
 * Keeps a scrolling log pinned to its end while new content arrives, unless the reader scrolled up
 * (then `following` is false and the page offers "jump to latest"). Whether to follow is decided by
 * where the reader left the scroll position, never by how far new content pushed the end away: a
 * long answer can grow by a screenful between two checks.
 */
export class FollowScroll {
	following = $state(true);
	#el: HTMLElement | null = null;
	/** Where this class last put the scroll position: a scroll event at or below it is not the reader's. */
	#pinnedTop = 0;

	/** Distance from the end (px) within which the reader counts as being at the end. */
	static readonly SLACK = 48;

	attach(el: HTMLElement): () => void {
		this.#el = el;
		const onScroll = () => {
			const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight <= FollowScroll.SLACK;
			if (atEnd) this.following = true;
			else if (el.scrollTop < this.#pinnedTop - 1) this.following = false;
		};
		el.addEventListener('scroll', onScroll, { passive: true });
		return () => {
			el.removeEventListener('scroll', onScroll);
			this.#el = null;
		};
	}

	/** Call after content changed: scrolls to the end when following. */
	update(): void {
		if (!this.following || !this.#el) return;
		this.#el.scrollTop = this.#el.scrollHeight;
		this.#pinnedTop = this.#el.scrollTop;
	}

	jump(): void {
		this.following = true;
		this.update();
	}
}
