/** Wire envelopes: lists, deleted objects, and rendering stored objects for the API. */
import type { StoredObject } from '@opentill/core';

export interface ListEnvelope<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

export function listEnvelope<T>(url: string, data: T[], hasMore: boolean): ListEnvelope<T> {
  return { object: 'list', data, has_more: hasMore, url };
}

/** The object as the API shows it: internal fields dropped. */
export function publicView(object: StoredObject): Record<string, unknown> {
  if (object._internal === undefined) return object;
  const { _internal: _dropped, ...rest } = object;
  return rest;
}

/**
 * Serializes a response body with internal fields dropped at any depth (embedded objects too).
 * A replacer function defeats JSON.stringify's fast path, so the common case (internal fields only
 * at the top) is stripped by hand and the replacer runs only when something nested remains.
 */
export function toWire(body: unknown): string {
  let top = body;
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && '_internal' in body) {
    const { _internal: _dropped, ...rest } = body as Record<string, unknown>;
    top = rest;
  }
  const text = JSON.stringify(top);
  if (text === undefined || !text.includes('"_internal":')) return text ?? 'null';
  return JSON.stringify(top, (key, value: unknown) => (key === '_internal' ? undefined : value));
}
