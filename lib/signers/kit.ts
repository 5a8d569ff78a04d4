import { systemClock } from '../clock';
import { subtleOf } from './crypto';
import { SignedRequest } from './request';
import { SignError, type Resign, type SignerOptions } from './shared';
import { leadOf, type Stamping } from './stamps';

/** What a signer's body needs: the platform's crypto and clock, checked once. */
export interface SignerKit {
  readonly subtle: SubtleCrypto;
  readonly now: () => number;
}

/** Signs one request, `at` the time to stamp it with (epoch ms, on the client's signing clock). */
export type Sign = (request: SignedRequest, at: number) => Promise<void>;

/**
 * Checks a signer's options without ever echoing a value (they hold secrets), and builds its
 * hook. `required` and `optional` list the string credentials.
 */
export function signer<T extends SignerOptions>(
  name: string,
  options: T,
  required: ReadonlyArray<keyof T & string>,
  optional: ReadonlyArray<keyof T & string>,
  build: (kit: SignerKit) => Sign,
  stamping?: Stamping,
): Resign {
  const where = `signers.${name}(credentials)`;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${where}: credentials must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const known = new Set<string>([...required, ...optional, 'now', 'crypto']);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new TypeError(`${where}: unknown option "${key}"; known: ${[...known].join(', ')}`);
  }
  for (const key of required) {
    const value = options[key];
    if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${where}: ${key} must be a non-empty string, got ${describe(value)}`);
  }
  for (const key of optional) {
    const value = options[key];
    if (value !== undefined && !(typeof value === 'number' || (typeof value === 'string' && value.trim() !== ''))) {
      throw new TypeError(`${where}: ${key} must be a non-empty string, got ${describe(value)}`);
    }
  }
  if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError(`${where}: now must be a function, got ${describe(options.now)}`);
  const now = options.now ?? systemClock.now;
  const sign = build({ subtle: subtleOf(where, options.crypto), now });
  return async (config, ctx) => {
    const request = new SignedRequest(config);
    // The client's signing clock may lead this process' (an SDK that keeps the exchange's time): keep its lead.
    const at = Math.floor(now() + (stamping ? leadOf(ctx?.state, stamping) : 0));
    try {
      await sign(request, at);
    } catch (error) {
      // The platform's message names the algorithm at most; never the key or the payload.
      const why = error instanceof SignError ? error.message : error instanceof Error ? `${error.name} from WebCrypto` : 'it failed';
      throw new Error(`${where} could not sign ${request.method} ${request.path}: ${why}`);
    }
    return request.toConfig();
  };
}

/** A value's kind, never the value itself: the options hold secrets. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a blank string';
  return typeof value;
}
