/** A 429 that says nothing of how long holds its origin this long, doubling while the probes after it are refused (ms). */
const FIRST_WAIT = 1000;
const MAX_WAIT = 32_000;

/**
 * The origin's own backoff for 429s that name no wait: one for all its requests, so held
 * requests wait for one probe's answer instead of each trying on its own.
 */
export class HintlessBackoff {
  /** When the last such 429 backed the origin off, and for how long (ms; 0: none lately). */
  private at = -Infinity;
  private wait = 0;
  /** One probe goes before the others. */
  probeFirst = false;

  /** When the backoff this sets ends, epoch ms: a cooldown no later than this is ours, not a server's. */
  get until(): number {
    return this.at + this.wait;
  }

  /** A 429 without a wait, of a request sent at `sentAt`: the cooldown to set, or undefined for one already set. */
  refused(sentAt: number, now: number): number | undefined {
    // Requests already out when the origin backed off belong to that backoff.
    if (sentAt < this.at) return undefined;
    // A quiet spell twice the last wait long starts the backoff again from the first step.
    if (now - this.at > 2 * this.wait) this.wait = 0;
    this.wait = Math.min(MAX_WAIT, this.wait === 0 ? FIRST_WAIT : this.wait * 2);
    this.at = now;
    this.probeFirst = true;
    return this.wait;
  }

  /**
   * A success of a request sent at `sentAt`: the probe went through, the others may follow, and
   * the next such 429 backs off from the first step again (the pace, cut at each, converges).
   */
  succeeded(sentAt: number): void {
    if (!this.probeFirst || sentAt < this.at) return;
    this.probeFirst = false;
    this.wait = 0;
  }
}
