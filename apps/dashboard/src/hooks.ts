/** Small hooks the pages share: hash routing, loading data, cursor-paged lists, live updates. */
import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { get, type ListEnvelope, type Obj } from './api.js';

// --- Hash routing (`#/payments/pi_…`): the server serves one page, the hash picks the view. ---

export function currentRoute(): string[] {
  return window.location.hash.replace(/^#\/?/, '').split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent);
}

export function useRoute(): string[] {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const changed = () => setRoute(currentRoute());
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}

export function navigate(path: string): void {
  window.location.hash = `#/${path.replace(/^\//, '')}`;
}

export const href = (path: string): string => `#/${path.replace(/^\//, '')}`;

// --- Live updates ---------------------------------------------------------------------------

/** A number that grows each time the server says something changed; pages reload when it does. */
export const LiveContext = createContext(0);
export const useLiveVersion = (): number => useContext(LiveContext);

// --- Loading -----------------------------------------------------------------------------------

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Runs `load` when `deps` change (and when the live version does, unless `live` is false). A
 * reload keeps showing the previous data until the new one is there, so live updates do not flash.
 */
export interface LoadOptions {
  /** Reload on the live version (default true). */
  live?: boolean;
  /** Also reload this often: for what changes without any write (a reader's presence ages). */
  refreshMs?: number;
}

export function useLoad<T>(load: () => Promise<T>, deps: unknown[], options: LoadOptions = {}): Loaded<T> {
  const live = useLiveVersion();
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [nonce, setNonce] = useState(0);
  const seq = useRef(0);
  const liveDep = options.live === false ? 0 : live;
  useEffect(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => {
        if (mine === seq.current) setState({ data, error: null, loading: false });
      },
      (error: unknown) => {
        if (mine === seq.current) setState((s) => ({ data: s.data, error, loading: false }));
      },
    );
    // The caller lists in `deps` what `load` reads.
  }, [...deps, liveDep, nonce]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const { refreshMs } = options;
  useEffect(() => {
    if (!refreshMs) return;
    const timer = setInterval(() => {
      if (!document.hidden) reload();
    }, refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs, reload]);
  return { ...state, reload };
}

// --- Cursor-paged lists ------------------------------------------------------------------------

export interface Cursor {
  starting_after?: string;
  ending_before?: string;
}

export interface Page<T> {
  rows: T[];
  hasNext: boolean;
  hasPrevious: boolean;
  next: Cursor | null;
  previous: Cursor | null;
}

/** Requests one filter may scan to fill a page (a filter the API does not have is applied here). */
const scanRequestsMax = 10;

/**
 * One page of a Stripe list, newest first. `select` filters rows the API cannot filter: pages are
 * read on until `pageSize` rows match or `scanRequestsMax` requests were made, and the cursors
 * continue from the last row read, so paging stays exact.
 */
export async function loadPage<T extends Obj>(
  path: string,
  params: Record<string, unknown>,
  cursor: Cursor,
  pageSize: number,
  select?: (row: T) => boolean,
): Promise<Page<T>> {
  const backward = cursor.ending_before !== undefined;
  let at = backward ? cursor.ending_before : cursor.starting_after;
  let rows: T[] = [];
  let more = false;
  for (let i = 0; i < (select ? scanRequestsMax : 1); i += 1) {
    const list = await get<ListEnvelope<T>>(path, {
      ...params,
      limit: select ? 100 : pageSize,
      ...(at !== undefined ? (backward ? { ending_before: at } : { starting_after: at }) : {}),
    });
    const kept = select ? list.data.filter(select) : list.data;
    rows = backward ? [...kept, ...rows] : [...rows, ...kept];
    more = list.has_more;
    if (list.data.length > 0) at = backward ? list.data[0]!.id : list.data[list.data.length - 1]!.id;
    if (!more || rows.length >= pageSize) break;
  }
  // Trimmed rows are still ahead in that direction.
  const trimmed = rows.length > pageSize;
  if (trimmed) rows = backward ? rows.slice(rows.length - pageSize) : rows.slice(0, pageSize);
  const first = rows[0]?.id;
  const last = rows[rows.length - 1]?.id;
  const fromStart = !backward && cursor.starting_after === undefined;
  const hasNext = backward ? true : more || trimmed;
  const hasPrevious = backward ? more || trimmed : !fromStart;
  return {
    rows,
    hasNext: hasNext && last !== undefined,
    hasPrevious: hasPrevious && first !== undefined,
    next: last !== undefined ? { starting_after: last } : null,
    previous: first !== undefined ? { ending_before: first } : null,
  };
}

export interface PagedList<T> extends Loaded<Page<T>> {
  nextPage: () => void;
  previousPage: () => void;
  firstPage: () => void;
}

/** A list page's state: the cursor, reset to the first page whenever the filters change. */
export function usePagedList<T extends Obj>(
  path: string,
  params: Record<string, unknown>,
  pageSize = 20,
  select?: (row: T) => boolean,
  selectKey = '',
  options: LoadOptions = {},
): PagedList<T> {
  const [cursor, setCursor] = useState<Cursor>({});
  const paramsKey = JSON.stringify(params);
  useEffect(() => setCursor({}), [path, paramsKey, selectKey]);
  const loaded = useLoad(
    () => loadPage<T>(path, params, cursor, pageSize, select),
    [path, paramsKey, selectKey, cursor.starting_after, cursor.ending_before, pageSize],
    options,
  );
  const page = loaded.data;
  // Paging back to the newest rows is the first page again: it shows new rows as they come.
  const backAtStart = cursor.ending_before !== undefined && page !== null && !page.hasPrevious && !loaded.loading;
  useEffect(() => {
    if (backAtStart) setCursor({});
  }, [backAtStart]);
  return {
    ...loaded,
    nextPage: () => {
      if (page?.next) setCursor(page.next);
    },
    previousPage: () => {
      if (page?.previous) setCursor(page.previous);
    },
    firstPage: () => setCursor({}),
  };
}
