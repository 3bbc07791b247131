/**
 * The request log's recording hook and API (issue 12; docs/dashboard.md):
 * - every `/v1/…` and `/opentill/v1/…` request of an account (secret key, publishable key, SDK
 *   connection token, dashboard) is handed to the recorder when its answer is sent;
 * - `GET /opentill/v1/request_log` (Stripe list envelope, filters), `GET /opentill/v1/request_log/:id`
 *   (with the redacted parameters and response body), `GET /opentill/v1/request_log/stream` (SSE).
 * Reading the log is not itself logged: a dashboard or `opentill logs tail` watching the log would
 * otherwise fill it with its own reads.
 */
import { ApiError, limits } from '@opentill/core';
import { canExist, type Engine, type RequestLogQuery, type RequestLogSummary } from '@opentill/engine';
import { int, listEnvelope, oneOf, parseParams, str } from '@opentill/protocol';
import type { App } from '../app.js';
import { sourceOf, type RequestLogRecorder } from './request-log.js';
import type { SseHub } from './sse.js';

const logPath = '/opentill/v1/request_log';
/** Store pages a stream's catch-up reads per second at most (entries other nodes wrote). */
const catchUpPagesMax = 10;
const catchUpMs = 1_000;

function isRecorded(url: string): boolean {
  return (url.startsWith('/v1/') || url.startsWith('/opentill/v1/')) && !url.startsWith(logPath);
}

export function entryView(entry: RequestLogSummary): Record<string, unknown> {
  return {
    id: entry.id,
    object: 'request_log_entry',
    created: entry.createdMs,
    method: entry.method,
    path: entry.path,
    status: entry.status,
    idempotency_key: entry.idempotencyKey,
    replayed: entry.replayed,
    error:
      entry.errorType === null && entry.errorCode === null ? null : { type: entry.errorType, code: entry.errorCode },
    duration_ms: entry.durationMs,
    source: entry.source,
  };
}

function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const filterSchema = {
  status: str({
    maxLength: 3,
    pattern: /^([1-5]xx|[1-5][0-9]{2})$/,
    patternMessage: 'status must be 2xx, 4xx, 5xx or a status code',
  }),
  method: oneOf(['GET', 'POST', 'DELETE'] as const),
  path: str({ maxLength: 500 }),
  q: str({ maxLength: 255 }),
};

type Filters = { status?: string; method?: 'GET' | 'POST' | 'DELETE'; path?: string; q?: string };

function storeFilters(p: Filters): Partial<RequestLogQuery> {
  const status =
    p.status === undefined
      ? {}
      : p.status.endsWith('xx')
        ? { statusClass: Number(p.status[0]) }
        : { status: Number(p.status) };
  return {
    ...status,
    ...(p.method !== undefined ? { method: p.method } : {}),
    ...(p.path !== undefined ? { pathPrefix: p.path } : {}),
    ...(p.q !== undefined ? { q: p.q } : {}),
  };
}

function matches(entry: RequestLogSummary, query: Partial<RequestLogQuery>): boolean {
  return (
    (query.statusClass === undefined || Math.floor(entry.status / 100) === query.statusClass) &&
    (query.status === undefined || entry.status === query.status) &&
    (query.method === undefined || entry.method === query.method) &&
    (query.pathPrefix === undefined || entry.path.startsWith(query.pathPrefix)) &&
    (query.q === undefined || entry.id === query.q || entry.idempotencyKey === query.q)
  );
}

export function registerRequestLog(app: App, engine: Engine, recorder: RequestLogRecorder, sse: SseHub): void {
  const store = engine.store.requestLog;

  // onSend: the answer's text is at hand. Recording is O(1); redaction and the write come later.
  if (recorder.settings.enabled) {
    app.fastify.addHook('onSend', (request, reply, payload, done) => {
      const accountId = request.principal?.accountId ?? request.logAccountId;
      if (accountId && isRecorded(request.url)) {
        const key = request.method === 'POST' ? request.headers['idempotency-key'] : undefined;
        recorder.record({
          id: request.requestId,
          accountId,
          createdMs: Date.now() - Math.round(reply.elapsedTime),
          method: request.method,
          path: request.url.split('?')[0]!,
          status: reply.statusCode,
          idempotencyKey: typeof key === 'string' ? key.slice(0, limits.idempotencyKeyLengthMax) : null,
          replayed: reply.getHeader('idempotent-replayed') === 'true',
          errorType: request.errorType,
          errorCode: request.errorCode,
          durationMs: Math.round(reply.elapsedTime * 100) / 100,
          source: request.principal ? sourceOf(request.principal.kind) : (request.logSource ?? 'connection_token'),
          params: request.logParams ?? (request.rawBody ? request.rawBody.toString('utf8') : {}),
          responseBody: typeof payload === 'string' ? payload : '',
        });
      }
      done(null, payload);
    });
  }

  app.route('GET', logPath, async (_request, ctx, raw) => {
    const p = parseParams(
      {
        limit: int({ min: 1, max: limits.listLimitMax }),
        starting_after: str({ maxLength: 255 }),
        ending_before: str({ maxLength: 255 }),
        ...filterSchema,
      },
      raw,
    );
    if (p.starting_after !== undefined && p.ending_before !== undefined) {
      throw new ApiError(
        'invalid_request_body',
        'You may only specify one of these parameters: starting_after, ending_before.',
        { param: 'ending_before' },
      );
    }
    const strings = [p.starting_after, p.ending_before, p.path, p.q];
    if (strings.some((value) => value !== undefined && !canExist(value))) return listEnvelope(logPath, [], false);
    const page = await store.list({
      accountId: ctx.accountId,
      limit: p.limit ?? limits.listLimitDefault,
      ...(p.starting_after !== undefined ? { startingAfter: p.starting_after } : {}),
      ...(p.ending_before !== undefined ? { endingBefore: p.ending_before } : {}),
      ...storeFilters(p),
    });
    return listEnvelope(logPath, page.data.map(entryView), page.hasMore);
  });

  // Registered before `/:id` would be ambiguous: find-my-way prefers the static segment anyway.
  app.fastify.get(`${logPath}/stream`, async (request, reply) => {
    const { principal, stream } = await sse.open(request, reply);
    const query = new URL(request.url, 'http://localhost').searchParams;
    const p = parseParams(filterSchema, Object.fromEntries(query.entries())) as Filters;
    const filters = storeFilters(p);
    const newest = (await store.list({ accountId: principal.accountId, limit: 1 })).data[0]?.id;
    const live = stream();
    live.send('ready', { account: principal.accountId });
    const sent = new Set<string>();
    const sendOnce = (entry: RequestLogSummary) => {
      if (sent.has(entry.id) || !matches(entry, filters)) return;
      sent.add(entry.id);
      if (sent.size > 10_000) sent.delete(sent.values().next().value!);
      live.send('request', entryView(entry));
    };
    live.onClose(
      recorder.onEntry((entry) => {
        if (entry.accountId === principal.accountId) sendOnce(entry);
      }),
    );
    // Entries other nodes wrote (one database): read after the newest seen at open, every second.
    let cursor = newest;
    let reading = false;
    const timer = setInterval(() => {
      if (reading) return;
      reading = true;
      void (async () => {
        for (let page = 0; page < catchUpPagesMax; page += 1) {
          const found = await store.list({
            accountId: principal.accountId,
            limit: limits.listLimitMax,
            ...(cursor !== undefined ? { after: cursor } : {}),
          });
          if (found.data.length === 0) break;
          for (const entry of [...found.data].reverse()) sendOnce(entry);
          cursor = found.data[0]!.id;
          if (!found.hasMore) break;
        }
      })()
        .catch(() => undefined)
        .finally(() => {
          reading = false;
        });
    }, catchUpMs);
    timer.unref();
    live.onClose(() => clearInterval(timer));
  });

  app.route('GET', `${logPath}/:id`, async (request, ctx, raw) => {
    parseParams({}, raw);
    const id = (request.params as { id: string }).id;
    const entry = canExist(id) ? await store.get(ctx.accountId, id) : null;
    if (!entry)
      throw new ApiError('resource_missing', `No such request log entry: '${id.slice(0, 100)}'`, { param: 'id' });
    const { requestParams, responseBody, ...summary } = entry;
    return {
      ...entryView(summary),
      request_params: parsedOrText(requestParams),
      response_body: parsedOrText(responseBody),
    };
  });
}
