import axios from 'axios';
import { startExchange, type ExchangeSim, type ExchangeSimOptions } from '../../examples/exchange-sim';

/**
 * Loopback simulators on a clock the test sets (`clock.now = …`), each closed after its test, and
 * an axios client that keeps no socket alive past a test. Call in a describe block.
 */
export function simsOnClock() {
  const clock = { now: 0 };
  const sims: ExchangeSim[] = [];
  const start = async (opts: ExchangeSimOptions): Promise<ExchangeSim> => {
    const sim = await startExchange({ now: () => clock.now, ...opts });
    sims.push(sim);
    return sim;
  };
  // Keep-alive is off so no client socket outlives a test.
  const http = axios.create({ validateStatus: () => true, headers: { Connection: 'close' } });
  beforeEach(() => {
    clock.now = 0;
  });
  afterEach(async () => {
    await Promise.all(sims.splice(0).map((s) => s.close()));
  });
  return { clock, start, http };
}
