// A bot polling a ticker against a Bybit-shaped server that sometimes answers HTTP 200 with
// retCode 10006: the preset reads the body, waits until X-Bapi-Limit-Reset-Timestamp and retries,
// so the bot only ever sees prices.
import axios, { type AxiosInstance } from 'axios';
import { setTimeout as sleep } from 'node:timers/promises';
import { attach, presets } from '../lib';
import { OK, startMockExchange, type Step } from './exchange-mocks';

const POLL_EVERY_MS = 200;
const RUN_FOR_MS = 3_000;

// Every fourth ticker request is refused until 300 ms later, as Bybit's per-endpoint window would.
const LIMITED: Step = { kind: 'rate-limited', waitMs: 300 };
const tickerScript = (index: number): Step => (index % 4 === 3 ? LIMITED : OK);

interface BybitTicker {
  retCode: number;
  retMsg: string;
  result: { list?: { lastPrice: string }[] };
}

/** The bot: it knows nothing of rate limits, and counts what reached it. */
class TickerBot {
  polls = 0;
  prices = 0;
  rateLimitedSeen = 0;
  errors = 0;
  waitedMs = 0;

  constructor(private readonly api: AxiosInstance) {}

  async run(forMs: number, everyMs: number): Promise<void> {
    const end = Date.now() + forMs;
    while (Date.now() < end) {
      const started = Date.now();
      await this.poll();
      await sleep(Math.max(0, everyMs - (Date.now() - started)));
    }
  }

  private async poll(): Promise<void> {
    this.polls += 1;
    try {
      const response = await this.api.get<BybitTicker>('/v5/market/tickers', { params: { category: 'spot', symbol: 'BTCUSDT' } });
      this.waitedMs += response.config.backoffState?.delays.reduce((a, b) => a + b, 0) ?? 0;
      if (response.data.retCode !== 0) this.rateLimitedSeen += 1;
      else if (response.data.result.list?.[0]?.lastPrice) this.prices += 1;
    } catch {
      this.errors += 1;
    }
  }
}

export interface PollingSummary {
  readonly polls: number;
  readonly prices: number;
  /** Rate-limited answers that reached the bot. */
  readonly rateLimitedSeenByBot: number;
  readonly errors: number;
  /** Requests the server received: every poll, plus a retry per rate-limited answer. */
  readonly serverRequests: number;
  /** Answers the server gave with retCode 10006. */
  readonly rateLimitedAnswers: number;
  /** Waited out in all, ms. */
  readonly waitedMs: number;
}

export async function main(): Promise<PollingSummary> {
  const mock = await startMockExchange('bybit', { ticker: tickerScript });
  try {
    const api = axios.create({ baseURL: mock.url });
    attach(api, presets.bybit({ retries: 3 }));
    const bot = new TickerBot(api);
    await bot.run(RUN_FOR_MS, POLL_EVERY_MS);
    return {
      polls: bot.polls,
      prices: bot.prices,
      rateLimitedSeenByBot: bot.rateLimitedSeen,
      errors: bot.errors,
      serverRequests: mock.requests('ticker'),
      rateLimitedAnswers: mock.answered('rate-limited'),
      waitedMs: bot.waitedMs,
    };
  } finally {
    await mock.close();
  }
}

function print(s: PollingSummary): void {
  const row = (label: string, value: string) => console.log(`  ${label.padEnd(26)}${value}`);
  console.log(`polled every ${POLL_EVERY_MS} ms for ${RUN_FOR_MS} ms against a Bybit-shaped server:`);
  row('polls made', `${s.polls} (${s.prices} prices, ${s.errors} errors)`);
  row('server requests', String(s.serverRequests));
  row('answered retCode 10006', `${s.rateLimitedAnswers} (waited ${s.waitedMs} ms in all)`);
  row('10006 seen by the bot', String(s.rateLimitedSeenByBot));
}

function fail(err: unknown): void {
  console.error(err);
  process.exitCode = 1;
}

if (require.main === module) main().then(print, fail);
