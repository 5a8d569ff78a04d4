import type { AxiosInstance } from 'axios';
import type { ExchangeSim } from './exchange-sim';

export interface BurstResult {
  readonly sent: number;
  readonly ok: number;
  readonly rateLimited: number;
  readonly banned: number;
  readonly failed: number;
  readonly calls: number;
  readonly wallMs: number;
}

/** Fires `calls` concurrent GETs and reports what the server saw and how many calls failed. */
export async function burst(
  api: AxiosInstance,
  sim: ExchangeSim,
  calls: number,
  now: () => number,
): Promise<BurstResult> {
  const started = now();
  const outcomes = await Promise.allSettled(
    Array.from({ length: calls }, () => api.get('/api/v3/ticker')),
  );
  const wallMs = now() - started;
  const { sent, ok, rateLimited, banned } = sim.stats();
  const failed = outcomes.filter((o) => o.status === 'rejected').length;
  return { sent, ok, rateLimited, banned, failed, calls, wallMs };
}

const COLUMNS = ['sent', '200', '429', '418', 'failed', 'wall ms'];
const LABEL_WIDTH = 24;
const CELL_WIDTH = 9;

function line(label: string, cells: string[]): string {
  return label.padEnd(LABEL_WIDTH) + cells.map((c) => c.padStart(CELL_WIDTH)).join('');
}

export function tableHeader(): string {
  return line('client', COLUMNS);
}

export function tableRow(label: string, r: BurstResult): string {
  return line(label, [
    String(r.sent),
    String(r.ok),
    String(r.rateLimited),
    String(r.banned),
    `${r.failed}/${r.calls}`,
    String(Math.round(r.wallMs)),
  ]);
}
