import type { HeaderBag } from '../headers';

// Plain decimal digits only: no sign, exponent, hex or Infinity.
const DECIMAL = /^\d+(\.\d+)?$/;
const DIGITS = /^\d+$/;

/** A non-negative decimal number, or undefined. Overlong digit strings give Infinity: callers clamp or refuse it. */
export function decimal(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  return DECIMAL.test(text) ? Number(text) : undefined;
}

/** A count of units (remaining, quota, used): a decimal no larger than integers stay exact, else undefined. */
export function count(value: string | undefined): number | undefined {
  const n = decimal(value);
  return n !== undefined && n <= Number.MAX_SAFE_INTEGER ? n : undefined;
}

/** A window given in seconds, as ms: above 0 and exact, else undefined. */
export function windowMs(seconds: string | undefined): number | undefined {
  const ms = (decimal(seconds) ?? NaN) * 1000;
  return ms > 0 && ms <= Number.MAX_SAFE_INTEGER ? ms : undefined;
}

/** Splits on `separator` outside double-quoted strings. */
export function split(text: string, separator: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === '"' && text[i - 1] !== '\\') quoted = !quoted;
    else if (text[i] === separator && !quoted) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** The key=value pairs of one list member: its parameters, and the member itself in the dictionary form. */
export function pairs(member: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of split(member, ';')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.trim().startsWith('"')) continue;
    found.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1));
  }
  return found;
}

/**
 * One member of a structured-field list (RFC 9651 §3.1): its bare item and its parameters.
 * A dictionary member (`remaining=0`) has no item: its key=value is among the parameters.
 */
export interface Member {
  /** The item, a string unquoted; '' for a dictionary member. */
  readonly item: string;
  /** A String item (`"100"`) rather than a Token or an Integer (`100`). */
  readonly quoted: boolean;
  readonly params: ReadonlyMap<string, string>;
}

// RFC 9651 §3.3.3: inside a String only `\"` and `\\` are escapes.
function unquote(text: string): string {
  return text.slice(1, text.endsWith('"') && text.length > 1 ? -1 : undefined).replace(/\\(["\\])/g, '$1');
}

function member(text: string): Member {
  const head = split(text, ';')[0].trim();
  const quoted = head.startsWith('"');
  const item = quoted ? unquote(head) : head.includes('=') ? '' : head;
  return { item, quoted, params: pairs(text) };
}

/** The members of a list field; [] when absent. */
export function members(value: string | undefined): Member[] {
  return value === undefined ? [] : split(value, ',').map(member);
}

/** A member whose item is an unquoted whole number: the quota of a policy before draft -08 (`100;w=60`). */
export function isQuotaItem(m: Member): boolean {
  return !m.quoted && DIGITS.test(m.item);
}

/** The count a field leads with, `100` in `100` or in `100, 100;w=60`. */
export function leadingCount(value: string | undefined): number | undefined {
  const first = members(value)[0];
  return first && !first.quoted ? count(first.item) : undefined;
}

/**
 * A list field whole (RFC 9651 §3.1: a list may be split over several field lines): every line
 * under any casing of `name`, arrays included, joined with commas; undefined when absent.
 */
export function listField(headers: HeaderBag, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const wanted = name.toLowerCase();
  const lines: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    for (const line of Array.isArray(value) ? value : [value]) {
      if (typeof line === 'string' || typeof line === 'number') lines.push(String(line));
    }
  }
  return lines.length ? lines.join(', ') : undefined;
}

