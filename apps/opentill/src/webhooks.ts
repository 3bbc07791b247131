/**
 * `opentill serve`'s webhook options and the dispatcher it runs (engine/src/webhooks/).
 */
import {
  HttpWebhookSender, WebhookDispatcher, defaultSenderOptions, parseRetrySchedule, type ClaimedDelivery, type RetrySchedule,
} from '@opentill/engine';
import type { Services } from '@opentill/server';

export const webhookOptions = {
  'webhook-retry': { type: 'string' },
  'webhook-timeout': { type: 'string' },
  'webhook-allow-private': { type: 'string' },
  'webhook-poll': { type: 'string' },
} as const;

export const webhookUsage = `
Webhooks:
  --webhook-retry <s>   retry schedule: standard (exponential + jitter up to 3 days, like Stripe live),
                        short (5 min, 30 min, 3 h: Stripe's sandbox "three times over a few hours"),
                        or base=1s,factor=2,cap=10s,window=1m (env OPENTILL_WEBHOOK_RETRY)
  --webhook-timeout <d> a receiver must answer within this (default 10s, env OPENTILL_WEBHOOK_TIMEOUT)
  --webhook-allow-private <true|false>
                        deliver to loopback/private addresses (default true: test mode, local
                        development; env OPENTILL_WEBHOOK_ALLOW_PRIVATE)
  --webhook-poll <d>    how often the outbox is polled when nothing wakes it (default 1s, env OPENTILL_WEBHOOK_POLL)
`;

export interface WebhookConfig {
  schedule: RetrySchedule;
  timeoutMs: number;
  allowPrivate: boolean;
  pollMs: number;
}

function durationMs(text: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new Error(`--${name}: invalid duration '${text}' (e.g. 500ms, 10s)`);
  const value = Number(match[1]) * (match[2] === 'm' ? 60_000 : match[2] === 'ms' ? 1 : 1000);
  if (value <= 0 || value > 10 * 60_000) throw new Error(`--${name}: must be between 1ms and 10m`);
  return value;
}

export function webhookConfig(values: Partial<Record<keyof typeof webhookOptions, string | undefined>>): WebhookConfig {
  const env = process.env;
  const retry = values['webhook-retry'] ?? env['OPENTILL_WEBHOOK_RETRY'] ?? 'standard';
  let schedule: RetrySchedule;
  try {
    schedule = parseRetrySchedule(retry);
  } catch (error) {
    throw new Error(`--webhook-retry: ${(error as Error).message}`);
  }
  const allow = (values['webhook-allow-private'] ?? env['OPENTILL_WEBHOOK_ALLOW_PRIVATE'] ?? 'true').toLowerCase();
  if (!['true', 'false', '1', '0'].includes(allow)) throw new Error('--webhook-allow-private: true or false');
  return {
    schedule,
    timeoutMs: durationMs(values['webhook-timeout'] ?? env['OPENTILL_WEBHOOK_TIMEOUT'] ?? '10s', 'webhook-timeout'),
    allowPrivate: allow === 'true' || allow === '1',
    pollMs: durationMs(values['webhook-poll'] ?? env['OPENTILL_WEBHOOK_POLL'] ?? '1s', 'webhook-poll'),
  };
}

/** Starts the dispatcher of this process; `stop()` it before closing the store. */
export async function startWebhooks(services: Services, config: WebhookConfig,
  onError: (error: unknown) => void, onAttempt?: (delivery: ClaimedDelivery) => void): Promise<WebhookDispatcher> {
  services.webhookEndpoints.configure({ allowPrivate: config.allowPrivate });
  const dispatcher = new WebhookDispatcher(services.engine, {
    schedule: config.schedule,
    sender: new HttpWebhookSender({ ...defaultSenderOptions, timeoutMs: config.timeoutMs, allowPrivate: config.allowPrivate }),
    endpoints: services.webhookEndpoints,
    pollMs: config.pollMs,
    // A claim outlives the slowest possible send, so it is never taken over while in flight.
    leaseMs: config.timeoutMs + 5_000,
    // Logged with their stack by the caller (the operator log).
    onError,
    ...(onAttempt ? { onAttempt: (_attempt: unknown, delivery: ClaimedDelivery) => onAttempt(delivery) } : {}),
  });
  await dispatcher.start();
  return dispatcher;
}
