import type { Emit } from './events';
import type { LaneSettings, Ticket } from './lane-types';
import { GO_PROBE, type Admission } from './release-queue';
import type { BackoffStore } from './store';

/** A probe unanswered this long (ms, at least 4 probe intervals) no longer keeps the next one back. */
export const PROBE_STALL = 1000;

/**
 * An origin's outage: consecutive unknown outcomes open it, and while it is open only probes go
 * out, one an interval (one among every process sharing a store), until one is answered.
 */
export class Outage {
  /** The probe in flight (an outage's, or the one after a 429 that named no wait), if any. */
  private probe: Ticket | undefined = undefined;
  private nextProbeAt = 0;

  constructor(
    private readonly key: string,
    private readonly label: string,
    private readonly settings: LaneSettings['probing'],
    private readonly store: BackoffStore,
    private readonly emit: Emit,
  ) {}

  /** Only probes go out. */
  get probing(): boolean {
    return this.store.breaker(this.key).probing;
  }

  /** How long the probe in flight still keeps the next one back, ms; 0 when none does. */
  probeWait(now: number, stall = PROBE_STALL): number {
    return this.probe && now < this.probe.sentAt + stall ? this.probe.sentAt + stall - now : 0;
  }

  /** While probing: how long until the next probe may go, or GO_PROBE; undefined when not probing. */
  admit(now: number): Admission | undefined {
    if (!this.probing) return undefined;
    // A probe that hangs is not waited for forever: after a while the next one goes.
    const inFlight = this.probeWait(now, Math.max(PROBE_STALL, 4 * (this.settings?.interval ?? 0)));
    if (inFlight > 0) return inFlight;
    return now < this.nextProbeAt ? this.nextProbeAt - now : GO_PROBE;
  }

  /** A probe of a store shared between processes must lease its turn. */
  get leased(): boolean {
    return this.store.probeLease !== undefined && this.probing;
  }

  /**
   * One outage probe for every process sharing the store: `go` when this one has the lease, else
   * the others' probe is waited for, an interval.
   */
  lease(now: number, go: () => Admission | Promise<Admission>): Admission | Promise<Admission> {
    const interval = Math.max(1, this.settings?.interval ?? PROBE_STALL);
    const leased = this.store.probeLease?.(this.key, interval) ?? true;
    const verdict = (ok: boolean): Admission | Promise<Admission> => {
      if (ok) return go();
      this.nextProbeAt = now + interval;
      return interval;
    };
    return leased instanceof Promise ? leased.then(verdict) : verdict(leased);
  }

  sent(ticket: Ticket): void {
    if (ticket.probe) this.probe = ticket;
  }

  settled(ticket: Ticket): void {
    if (ticket === this.probe) this.probe = undefined;
  }

  /** An answer: the outage, if any, is over. */
  answered(): void {
    const { failures, probing } = this.store.breaker(this.key);
    if (failures > 0 || probing) this.set(0, false, probing);
  }

  /** An unknown outcome: one more failure, which may open the outage; a probe's failure spaces the next. */
  failed(ticket: Ticket, now: number): void {
    const probing = this.settings;
    if (!probing) return;
    const breaker = this.store.breaker(this.key);
    const failures = breaker.failures + 1;
    const open = breaker.probing || failures >= probing.threshold;
    if (open && (ticket.probe || !breaker.probing)) this.nextProbeAt = now + probing.interval;
    this.set(failures, open, breaker.probing);
  }

  /** Records the outage state, and says so when probing starts or ends. */
  private set(failures: number, probing: boolean, was: boolean): void {
    this.store.setBreaker(this.key, { failures, probing });
    if (probing !== was) this.emit?.({ type: 'probing', key: this.label, probing, failures });
  }
}
