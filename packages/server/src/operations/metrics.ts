/**
 * `/healthz`, `/readyz` and `/metrics` (issue 12; docs/operations.md), outside `/v1`.
 * Metrics use prom-client on a registry of this server (not the global one: tests run several
 * servers in one process). Request metrics are observed in one onResponse hook; PaymentIntents by
 * status are counters maintained from committed events (a scrape never scans the objects); readers
 * online and the webhook backlog are read at scrape time with bounded queries.
 */
import { limits, type Reader } from '@opentill/core';
import client from 'prom-client';
import type { App } from '../app.js';
import type { Services } from '../services.js';
import type { RequestLogRecorder } from './request-log.js';

/** Accounts and reader pages one scrape reads at most (the gauge is then a lower bound). */
const scrapeAccountsMax = 100;
const scrapeReaderPagesMax = limits.readerStatusScanMax / limits.listLimitMax;

/** The PaymentIntent events that carry a PaymentIntent in a new status. */
const paymentIntentStatusEvents = new Set([
  'payment_intent.created',
  'payment_intent.succeeded',
  'payment_intent.canceled',
  'payment_intent.payment_failed',
  'payment_intent.amount_capturable_updated',
  'payment_intent.processing',
  'payment_intent.requires_action',
]);

export function registerOperations(app: App, services: Services, recorder: RequestLogRecorder | undefined): void {
  const { fastify } = app;
  const { engine } = services;
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });

  const requestDuration = new client.Histogram({
    name: 'opentill_http_request_duration_seconds',
    help: 'HTTP requests by route pattern, method and status, with their latency.',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [registry],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    requestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: reply.statusCode },
      reply.elapsedTime / 1000,
    );
    done();
  });

  const paymentIntents = new client.Counter({
    name: 'opentill_payment_intents_total',
    help: 'PaymentIntents entering each status (from committed payment_intent.* events).',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  engine.onCommit((_accountId, events) => {
    for (const event of events) {
      if (!paymentIntentStatusEvents.has(String(event['type']))) continue;
      const status = (event['data'] as { object?: { status?: unknown } } | undefined)?.object?.status;
      if (typeof status === 'string') paymentIntents.inc({ status });
    }
  });

  new client.Gauge({
    name: 'opentill_readers_online',
    help: 'Terminal readers online now (the 2-minute rule), all accounts.',
    registers: [registry],
    async collect() {
      let online = 0;
      const nowMs = engine.clock.nowMs();
      for (const account of (await engine.store.listAccounts()).slice(0, scrapeAccountsMax)) {
        let cursor: string | undefined;
        for (let page = 0; page < scrapeReaderPagesMax; page += 1) {
          const found = await engine.store.list<Reader>({
            accountId: account.id,
            type: 'terminal.reader',
            limit: limits.listLimitMax,
            ...(cursor ? { startingAfter: cursor } : {}),
          });
          for (const reader of found.data) {
            if (services.terminalReaders.view(reader, nowMs + account.clockOffsetMs).status === 'online') online += 1;
          }
          if (!found.hasMore || found.data.length === 0) break;
          cursor = found.data[found.data.length - 1]!.id;
        }
      }
      this.set(online);
    },
  });

  let backlog: Promise<{ pending: number; oldestDueMs: number | null }> | null = null;
  // One outbox query per scrape, shared by the two gauges.
  const readBacklog = () =>
    (backlog ??= engine.store.outbox.backlog().finally(() =>
      setImmediate(() => {
        backlog = null;
      }),
    ));
  new client.Gauge({
    name: 'opentill_webhook_backlog',
    help: 'Webhook deliveries pending (due or waiting for a retry).',
    registers: [registry],
    async collect() {
      this.set((await readBacklog()).pending);
    },
  });
  new client.Gauge({
    name: 'opentill_webhook_delivery_lag_seconds',
    help: 'How late the most overdue pending webhook delivery is (0 when none is due).',
    registers: [registry],
    async collect() {
      const { oldestDueMs } = await readBacklog();
      this.set(oldestDueMs === null ? 0 : Math.max(0, (engine.clock.nowMs() - oldestDueMs) / 1000));
    },
  });

  if (recorder) {
    const counter = (name: string, help: string, read: () => number) =>
      new client.Counter({
        name,
        help,
        registers: [registry],
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    counter('opentill_request_log_written_total', 'Request log rows written.', () => recorder.written);
    counter(
      'opentill_request_log_dropped_total',
      'Request log rows dropped because the queue was full.',
      () => recorder.dropped,
    );
    counter('opentill_request_log_failed_total', 'Request log rows whose write failed.', () => recorder.failed);
    counter('opentill_request_log_pruned_total', 'Request log rows pruned (age or count).', () => recorder.pruned);
    new client.Gauge({
      name: 'opentill_request_log_queue',
      help: 'Request log rows waiting to be written.',
      registers: [registry],
      collect() {
        this.set(recorder.queued);
      },
    });
  }

  fastify.get('/metrics', async (_request, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });

  fastify.get('/healthz', async (_request, reply) => reply.type('application/json').send('{"status":"ok"}'));

  fastify.get('/readyz', async (request, reply) => {
    let ready = false;
    let reason = 'migrations pending';
    try {
      ready = await engine.store.migrationsApplied();
    } catch (error) {
      reason = 'store unreachable';
      request.log.warn({ err: error }, 'readiness check failed');
    }
    return reply
      .status(ready ? 200 : 503)
      .type('application/json')
      .send(
        JSON.stringify(ready ? { status: 'ready', store: engine.store.dialect } : { status: 'unavailable', reason }),
      );
  });
}
