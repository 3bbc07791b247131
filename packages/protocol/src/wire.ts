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

/** Serializes a response body: internal fields are dropped at any depth (embedded objects too). */
export function toWire(body: unknown): string {
  return JSON.stringify(body, (key, value: unknown) => (key === '_internal' ? undefined : value));
}
