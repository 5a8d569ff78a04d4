import axios, { type AxiosRequestConfig } from 'axios';
import { headersForReplay } from '../replay';
import { SignError } from './shared';

const ABSOLUTE = /^[a-z][a-z\d+.-]*:\/\//i;
/** A base for a URL given without one: only its path and query are read. */
const RELATIVE = 'http://relative.invalid';

/**
 * A request as the exchange will see it: the query and body exactly as sent, since a signature
 * covers the bytes, not the values. What a signer changes it writes back, query into the URL and
 * the body as a string, so that what is sent is what was signed.
 */
export class SignedRequest {
  readonly method: string;
  /** The path as sent, without origin or query: `/api/v3/order`. */
  readonly path: string;
  /** `host[:port]` of the URL, '' when the URL names none. */
  readonly host: string;
  /** Query segments, raw (`symbol=BTCUSDT`), in order. */
  query: string[];
  /** The body as sent, '' for none. */
  body: string;
  /** The body is a JSON object (its fields are read and set as such), not a form. */
  readonly json: boolean;
  private readonly headers: Record<string, unknown>;
  private readonly prefix: string;

  constructor(private readonly config: AxiosRequestConfig) {
    this.method = (config.method ?? 'get').toUpperCase();
    const given = config.url ?? '';
    const full = ABSOLUTE.test(given) ? given : joinURL(config.baseURL ?? '', given);
    let url: URL;
    try {
      // As axios' http adapter reads it: spaces, quotes and the like in the query percent-encoded.
      url = new URL(full, RELATIVE);
    } catch {
      throw new SignError('its URL could not be read');
    }
    const absolute = ABSOLUTE.test(full);
    // Params as axios itself serializes them (arrays, dates, its encoding, a paramsSerializer), into the URL.
    const sent = config.params === undefined || config.params === null
      ? url.pathname + url.search
      : axios.getUri({ url: url.pathname + url.search, params: config.params, paramsSerializer: config.paramsSerializer });
    const q = sent.indexOf('?');
    this.path = q < 0 ? sent : sent.slice(0, q);
    this.query = q < 0 ? [] : sent.slice(q + 1).split('&').filter(Boolean);
    this.host = absolute ? url.host : '';
    this.prefix = absolute ? `${url.protocol}//${url.host}${this.path}` : this.path;
    this.headers = headersForReplay(config.headers);
    const body = bodyText(config.data);
    this.body = body.text;
    this.json = body.json;
  }

  /** The query as sent, without `?`; '' when none. */
  get queryString(): string {
    return this.query.join('&');
  }

  /** The path and query as sent: `/api/v5/trade/order?instId=BTC-USDT`. */
  get pathAndQuery(): string {
    return this.query.length > 0 ? `${this.path}?${this.queryString}` : this.path;
  }

  /**
   * The path and query with the query's values decoded: what OKX's and KuCoin's own SDKs sign
   * (the same text as sent, for values that need no escaping).
   */
  get pathAndDecodedQuery(): string {
    return this.query.length > 0 ? `${this.path}?${this.query.map(decodeSegment).join('&')}` : this.path;
  }

  header(name: string): string | undefined {
    const key = Object.keys(this.headers).find((k) => k.toLowerCase() === name.toLowerCase());
    const value = key === undefined ? undefined : this.headers[key];
    return value === undefined || value === null || value === false ? undefined : String(value);
  }

  setHeader(name: string, value: string): void {
    for (const k of Object.keys(this.headers)) if (k.toLowerCase() === name.toLowerCase()) delete this.headers[k];
    this.headers[name] = value;
  }

  /** A query parameter's raw value, or undefined. */
  param(name: string): string | undefined {
    return valueIn(this.query, name);
  }

  /** A form body's field, raw. */
  field(name: string): string | undefined {
    return this.json ? undefined : valueIn(this.body.split('&'), name);
  }

  /** Sets a query parameter where it is (in place), or appends it. */
  setParam(name: string, value: string): void {
    this.query = setIn(this.query, name, value);
  }

  dropParam(name: string): void {
    this.query = this.query.filter((s) => keyOf(s) !== name);
  }

  /** Sets a form body's field where it is, or appends it. */
  setField(name: string, value: string): void {
    this.body = setIn(this.body.split('&').filter(Boolean), name, value).join('&');
  }

  dropField(name: string): void {
    this.body = this.body.split('&').filter((s) => s && keyOf(s) !== name).join('&');
  }

  /** The config to send: the query in the URL, the body as the string signed, the headers set. */
  toConfig(): AxiosRequestConfig {
    const url = this.query.length > 0 ? `${this.prefix}?${this.queryString}` : this.prefix;
    // An object body becomes the JSON text signed: it must still go as JSON.
    if (this.json && this.header('Content-Type') === undefined) this.setHeader('Content-Type', 'application/json');
    const out: AxiosRequestConfig = { ...this.config, url, params: undefined, headers: this.headers as AxiosRequestConfig['headers'] };
    // The URL is whole when the base was known: a base with a path would otherwise be joined twice.
    if (this.host) out.baseURL = undefined;
    if (this.body !== '' || typeof this.config.data === 'string') out.data = this.body;
    return out;
  }
}

/** The body as axios sends it: a string as is, a form as its text, an object as JSON. */
function bodyText(data: unknown): { text: string; json: boolean } {
  if (data === undefined || data === null) return { text: '', json: false };
  if (typeof data === 'string') return { text: data, json: /^\s*[[{]/.test(data) };
  if (typeof URLSearchParams !== 'undefined' && data instanceof URLSearchParams) return { text: data.toString(), json: false };
  if (typeof data === 'object') return { text: JSON.stringify(data), json: true };
  return { text: String(data), json: false };
}

const enc = (s: string) => encodeURIComponent(s);

function joinURL(base: string, url: string): string {
  if (!base) return url;
  if (!url) return base;
  return `${base.replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}`;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment.replace(/\+/g, ' '));
  } catch {
    return segment;
  }
}

const keyOf = (segment: string) => {
  const eq = segment.indexOf('=');
  return decodeURIComponent(eq < 0 ? segment : segment.slice(0, eq));
};

function valueIn(segments: readonly string[], name: string): string | undefined {
  const found = segments.find((s) => keyOf(s) === name);
  if (found === undefined) return undefined;
  const eq = found.indexOf('=');
  return eq < 0 ? '' : found.slice(eq + 1);
}

function setIn(segments: readonly string[], name: string, value: string): string[] {
  const segment = `${enc(name)}=${value}`;
  let set = false;
  const out = segments.map((s) => {
    if (keyOf(s) !== name) return s;
    set = true;
    return segment;
  });
  return set ? out : [...out, segment];
}
