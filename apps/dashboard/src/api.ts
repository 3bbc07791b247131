/**
 * The dashboard speaks only OpenTill's public wire: Stripe's `/v1` routes and the `/opentill/…`
 * ones, with the session cookie (httpOnly: this code never sees it) and, on every request that can
 * change something, the session's CSRF token in `X-CSRF-Token`.
 */
import { stringify } from 'qs';

export interface StripeErrorBody {
  type?: string;
  code?: string;
  message?: string;
  param?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: StripeErrorBody,
  ) {
    super(error.message ?? `HTTP ${status}`);
  }
}

export interface ListEnvelope<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url?: string;
}

/** Anything the API returns, read field by field. */
export type Obj = Record<string, unknown> & { id: string };

let csrfToken = '';
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

const signedOutListeners = new Set<() => void>();
/** Called when any request answers 401: the session ended (signed out elsewhere, expired). */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

/** Form encoding as Stripe's clients send it (`a[b]=c`, arrays indexed), by the qs the server decodes with. */
export function encodeForm(data: Record<string, unknown>): string {
  return stringify(data, { arrayFormat: 'indices' });
}

export interface RequestOptions {
  /** Send the body as JSON (the dashboard's own routes) instead of a form (Stripe's routes). */
  json?: boolean;
  /** Do not treat 401 as the end of the session (the sign-in form itself). */
  quiet401?: boolean;
}

export async function request<T>(
  method: string,
  path: string,
  params: Record<string, unknown> = {},
  options: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  let url = path;
  let body: string | undefined;
  if (method === 'GET' || method === 'HEAD') {
    const query = encodeForm(params);
    if (query) url += (path.includes('?') ? '&' : '?') + query;
  } else {
    headers['X-CSRF-Token'] = csrfToken;
    if (options.json) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(params);
    } else {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = encodeForm(params);
    }
  }
  const response = await fetch(url, { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    const error = (parsed as { error?: StripeErrorBody } | null)?.error ?? {
      message: `${response.status} ${response.statusText}`.trim(),
    };
    if (response.status === 401 && !options.quiet401) for (const listener of signedOutListeners) listener();
    throw new ApiError(response.status, error);
  }
  return parsed as T;
}

export const get = <T = Obj>(path: string, params?: Record<string, unknown>) => request<T>('GET', path, params);
export const post = <T = Obj>(path: string, params?: Record<string, unknown>) => request<T>('POST', path, params);

export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    const code = error.error.code ? ` (${error.error.code})` : '';
    return `${error.message}${code}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Every event about one object (or whose object points at it): Stripe's `/v1/events` has no filter
 * by object, so the newest events since `sinceSeconds` are scanned, at most `pagesMax` pages.
 */
export async function eventsAbout(
  matches: (object: Record<string, unknown>) => boolean,
  options: {
    type?: string;
    sinceSeconds?: number;
    pagesMax?: number;
  } = {},
): Promise<{ events: Obj[]; complete: boolean }> {
  const found: Obj[] = [];
  let cursor: string | undefined;
  const pagesMax = options.pagesMax ?? 10;
  for (let page = 0; page < pagesMax; page += 1) {
    const list = await get<ListEnvelope<Obj>>('/v1/events', {
      limit: 100,
      ...(options.type ? { type: options.type } : {}),
      ...(options.sinceSeconds !== undefined ? { created: { gte: options.sinceSeconds } } : {}),
      ...(cursor ? { starting_after: cursor } : {}),
    });
    for (const event of list.data) {
      const object = (event['data'] as { object?: Record<string, unknown> } | undefined)?.object;
      if (object && matches(object)) found.push(event);
    }
    if (!list.has_more || list.data.length === 0) return { events: found, complete: true };
    cursor = list.data[list.data.length - 1]!.id;
  }
  return { events: found, complete: false };
}
