import { isPlainObject, show } from './describe';

/** What a number option must be. */
export interface NumberRule {
  /** Least value allowed (inclusive). */
  readonly min?: number;
  /** Values must be above this (exclusive). */
  readonly above?: number;
  /** Greatest value allowed (inclusive). */
  readonly max?: number;
  /** Whole numbers only. */
  readonly integer?: boolean;
  /** Infinity refused. */
  readonly finite?: boolean;
  /** The unit the message names: `a number of ms`. */
  readonly unit?: string;
  /** Said after the rule, e.g. `(Infinity for none)`. */
  readonly note?: string;
}

/**
 * The one check for number options: `number('retries', -1, { min: 0, integer: true })`
 * throws `RangeError: retries must be a whole number >= 0, got -1`. NaN never passes.
 */
export function number(name: string, value: unknown, rule: NumberRule): number {
  const n = value as number;
  const ok = typeof value === 'number' && n === n
    && (!rule.integer || Number.isInteger(n))
    && (!rule.finite || Number.isFinite(n))
    && (rule.min === undefined || n >= rule.min)
    && (rule.above === undefined || n > rule.above)
    && (rule.max === undefined || n <= rule.max);
  if (ok) return n;
  const what = rule.integer ? 'a whole number' : `a ${rule.finite ? 'finite ' : ''}number${rule.unit ? ` of ${rule.unit}` : ''}`;
  const bounds = [
    rule.min !== undefined && `>= ${rule.min}`,
    rule.above !== undefined && `> ${rule.above}`,
    rule.max !== undefined && `<= ${rule.max}`,
  ].filter(Boolean).join(' and ');
  const note = rule.note ? ` ${rule.note}` : '';
  throw new RangeError(`${name} must be ${what} ${bounds}${note}, got ${show(value)}`);
}

/** A function option, or undefined when not given. */
export function fn<T>(name: string, value: T): T {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${name} must be a function, got ${show(value)}`);
  return value;
}

/** The one shape check: a plain object whose keys are all `known`; `where` names it in the message. */
export function shape<T extends object>(where: string, value: unknown, known: ReadonlySet<string> | readonly string[]): T {
  if (!isPlainObject(value)) throw new TypeError(`${where} must be a plain options object, got ${show(value)}`);
  const has = Array.isArray(known) ? (k: string) => known.includes(k) : (k: string) => (known as ReadonlySet<string>).has(k);
  for (const key of Object.keys(value)) {
    if (!has(key)) throw new TypeError(`${where} has an unknown option ${show(key)}; known: ${[...known].join(', ')}`);
  }
  return value as T;
}
