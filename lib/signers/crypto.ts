/**
 * WebCrypto, as browsers and Node 19+ have it on `globalThis.crypto`: no Node module is imported,
 * so the signers bundle for a browser too. Keys are imported non-extractable, once per signer.
 */

const text = new TextEncoder();

/** The SubtleCrypto to sign with: the one given, or the platform's. */
export function subtleOf(where: string, given: { readonly subtle: object } | undefined): SubtleCrypto {
  const subtle = (given ?? (globalThis as { crypto?: Crypto }).crypto)?.subtle as SubtleCrypto | undefined;
  if (!subtle) {
    throw new TypeError(`${where}: no WebCrypto here (globalThis.crypto.subtle): pass { crypto: require('node:crypto').webcrypto } on Node 18`);
  }
  return subtle;
}

export const utf8 = (s: string): Uint8Array => text.encode(s);

/** Bytes as WebCrypto takes them (TypeScript 5.7+ tells buffers from shared ones; these never are). */
export const bytes = (b: Uint8Array): BufferSource => b as BufferSource;

export function hex(bytes: ArrayBuffer | Uint8Array): string {
  let out = '';
  for (const b of new Uint8Array(bytes)) out += b.toString(16).padStart(2, '0');
  return out;
}

export function base64(bytes: ArrayBuffer | Uint8Array): string {
  let binary = '';
  for (const b of new Uint8Array(bytes)) binary += String.fromCharCode(b);
  return btoa(binary);
}

export const base64url = (bytes: ArrayBuffer | Uint8Array): string => base64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** Decodes base64 (standard or URL-safe, padded or not); undefined when it is not base64. */
export function fromBase64(s: string): Uint8Array | undefined {
  const clean = s.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) return undefined;
  try {
    const binary = atob(clean.padEnd(clean.length + ((4 - (clean.length % 4)) % 4), '='));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** The DER bytes of a PEM block, and its label ('PRIVATE KEY', 'EC PRIVATE KEY'...); undefined when not PEM. */
export function pemBody(pem: string): { label: string; der: Uint8Array } | undefined {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(pem.replace(/\\n/g, '\n'));
  const der = m && fromBase64(m[2]);
  return m && der ? { label: m[1], der } : undefined;
}

/** A keyed HMAC: sign(message) gives the MAC's bytes. */
export function hmac(subtle: SubtleCrypto, secret: Uint8Array, hash: 'SHA-256' | 'SHA-512'): (message: Uint8Array) => Promise<ArrayBuffer> {
  const key = subtle.importKey('raw', bytes(secret), { name: 'HMAC', hash }, false, ['sign']);
  // An import that fails is reported by the first signature, not as an unhandled rejection.
  key.catch(() => undefined);
  return async (message) => subtle.sign('HMAC', await key, bytes(message));
}

export const sha256 = (subtle: SubtleCrypto, message: Uint8Array): Promise<ArrayBuffer> => subtle.digest('SHA-256', bytes(message));

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Where a byte sequence occurs in another, or -1. */
export function indexOf(haystack: Uint8Array, needle: readonly number[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
