/**
 * The request log writer (issue 12). A request's answer is never delayed by its log row: the HTTP
 * edge hands over the raw parts (decoded params, the response text) in O(1), and this queue
 * redacts, serializes and writes them in batches — every `requestLogFlushMs`, or at once when a
 * batch is full. The queue is bounded: when the store cannot keep up, new rows are dropped and
 * counted (`opentill_request_log_dropped_total`) instead of memory growing. Old rows are pruned
 * by age and count on a timer.
 */
import { limits } from '@opentill/core';
import type { RequestLogEntry, RequestLogStore, RequestLogSummary, RequestSource } from '@opentill/engine';
import { bounded, redactBody, redactedJson } from './redact.js';

export interface RequestLogSettings {
  /** Off: nothing is queued or written (the bench's baseline). */
  enabled: boolean;
  retentionMs: number;
  rowsMax: number;
  pruneIntervalMs: number;
}

export const defaultRequestLogSettings: RequestLogSettings = {
  enabled: true,
  retentionMs: limits.requestLogRetentionMsDefault,
  rowsMax: limits.requestLogRowsMaxDefault,
  pruneIntervalMs: limits.requestLogPruneIntervalMs,
};

/** What the HTTP edge hands over: parameters and body still raw (redacted when written). */
export interface RawRequestLogEntry extends Omit<RequestLogEntry, 'requestParams' | 'responseBody'> {
  /** Decoded parameters, or the raw body text when decoding failed or never ran. */
  params: unknown;
  responseBody: string;
}

export type RequestLogListener = (entry: RequestLogSummary) => void;

/** `--request-log-retention`: 7d, 12h, 30m, 45s. */
export function parseRetention(text: string): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(text.trim());
  if (!match) throw new Error(`invalid retention '${text}' (e.g. 7d, 12h, 30m)`);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  const ms = Number(match[1]) * unit;
  if (ms < 1000 || ms > 366 * 86_400_000) throw new Error(`retention '${text}' must be between 1s and 366d`);
  return ms;
}

export function sourceOf(kind: string): RequestSource {
  switch (kind) {
    case 'secret':
      return 'secret_key';
    case 'publishable':
      return 'publishable_key';
    case 'dashboard':
      return 'dashboard';
    default:
      return 'connection_token';
  }
}

export class RequestLogRecorder {
  private queue: RawRequestLogEntry[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<RequestLogListener>();
  /** Counters for `/metrics`. */
  written = 0;
  dropped = 0;
  failed = 0;
  pruned = 0;

  constructor(
    private readonly store: RequestLogStore,
    readonly settings: RequestLogSettings,
    private readonly onError: (error: unknown, what: string) => void,
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  /** Called on the request's path: O(1), no I/O, no serialization. */
  record(entry: RawRequestLogEntry): void {
    if (!this.settings.enabled) return;
    if (this.queue.length >= limits.requestLogQueueRowsMax) {
      this.dropped += 1;
      return;
    }
    this.queue.push(entry);
    if (this.queue.length >= limits.requestLogBatchRowsMax) this.schedule(0);
    else this.schedule(limits.requestLogFlushMs);
  }

  /** Notified once each entry is stored (the live streams). */
  onEntry(listener: RequestLogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private schedule(delayMs: number): void {
    if (this.flushing) return; // the running flush reschedules when it ends
    if (this.flushTimer && delayMs > 0) return;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flush();
    }, delayMs);
    this.flushTimer.unref();
  }

  /** Writes everything queued now (batch by batch); resolves when written. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.queue.length === 0) return;
    this.flushing = this.writeQueued();
    try {
      await this.flushing;
    } finally {
      this.flushing = null;
      if (this.queue.length > 0)
        this.schedule(this.queue.length >= limits.requestLogBatchRowsMax ? 0 : limits.requestLogFlushMs);
    }
  }

  private async writeQueued(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, limits.requestLogBatchRowsMax);
      const entries = batch.map(stored);
      try {
        await this.store.append(entries);
        this.written += entries.length;
      } catch (error) {
        this.failed += entries.length;
        this.onError(error, 'request log write failed');
        return;
      }
      if (this.listeners.size === 0) continue;
      for (const entry of entries) {
        const { requestParams: _params, responseBody: _body, ...summary } = entry;
        for (const listener of this.listeners) listener(summary);
      }
    }
  }

  async prune(): Promise<number> {
    const deleted = await this.store.prune({
      olderThanMs: Date.now() - this.settings.retentionMs,
      rowsMax: this.settings.rowsMax,
      batchRows: limits.requestLogPruneBatchRows,
    });
    this.pruned += deleted;
    return deleted;
  }

  start(): void {
    if (!this.settings.enabled || this.pruneTimer) return;
    const prune = () => {
      this.prune().catch((error: unknown) => this.onError(error, 'request log pruning failed'));
    };
    prune();
    this.pruneTimer = setInterval(prune, this.settings.pruneIntervalMs);
    this.pruneTimer.unref();
  }

  /** Stops pruning and writes what is queued (before the store closes). */
  async stop(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.pruneTimer = null;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    await this.flush();
  }
}

/**
 * Redacted and bounded: the only shape that reaches the store. Built member by member rather than
 * by rest and spread: the object literal then has one shape, where the spread of a rest object
 * went through V8's slow property definition for every row.
 */
function stored(raw: RawRequestLogEntry): RequestLogEntry {
  let errorType = raw.errorType;
  let errorCode = raw.errorCode;
  // Answers that did not pass through the Stripe error path (the SDK's own errors) carry their error in the body.
  if (raw.status >= 400 && errorType === null) {
    try {
      const error = (JSON.parse(raw.responseBody) as { error?: { type?: unknown; code?: unknown } }).error;
      if (typeof error?.type === 'string') errorType = error.type;
      if (typeof error?.code === 'string') errorCode = error.code;
    } catch {
      // Not JSON: no error fields to show.
    }
  }
  const params = raw.params;
  const requestParams = typeof params === 'string' ? JSON.stringify(redactBody(params)) : redactedJson(params);
  return {
    id: raw.id,
    accountId: raw.accountId,
    createdMs: raw.createdMs,
    method: raw.method,
    path: raw.path,
    status: raw.status,
    idempotencyKey: raw.idempotencyKey,
    replayed: raw.replayed,
    errorType,
    errorCode,
    durationMs: raw.durationMs,
    source: raw.source,
    requestParams: bounded(requestParams, limits.requestLogBodyCharsMax),
    responseBody: bounded(redactBody(raw.responseBody), limits.requestLogBodyCharsMax),
  };
}
