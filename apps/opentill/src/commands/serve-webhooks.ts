/**
 * `opentill serve`'s webhook options and the dispatcher it runs (engine/src/webhooks/).
 */
import {
  HttpWebhookSender,
  WebhookDispatcher,
  defaultSenderOptions,
  parseRetrySchedule,
  type ClaimedDelivery,
  type RetrySchedule,
  type Services,
} from '@opentill/engine';
import { UsageError, booleanFlag, parseDuration, stringFlag, type Flag, type FlagValues } from '../cli/command.js';

export const webhookFlags: Flag[] = [
  {
    name: 'webhook-retry',
    type: 'string',
    value: 'schedule',
    help: "standard (exponential + jitter up to 3 days, like Stripe live), short\n(5m, 30m, 3h: Stripe's sandbox), or base=1s,factor=2,cap=10s,window=1m\n(env OPENTILL_WEBHOOK_RETRY)",
  },
  {
    name: 'webhook-timeout',
    type: 'string',
    value: 'duration',
    help: 'a receiver must answer within this (default 10s, env OPENTILL_WEBHOOK_TIMEOUT)',
  },
  {
    name: 'webhook-allow-private',
    type: 'boolean',
    negatable: true,
    help: 'deliver to loopback/private addresses (default on: test mode, local\ndevelopment; env OPENTILL_WEBHOOK_ALLOW_PRIVATE=true|false)',
  },
  {
    name: 'webhook-poll',
    type: 'string',
    value: 'duration',
    help: 'outbox poll when nothing wakes it (default 1s, env OPENTILL_WEBHOOK_POLL)',
  },
];

export interface WebhookConfig {
  schedule: RetrySchedule;
  timeoutMs: number;
  allowPrivate: boolean;
  pollMs: number;
}

const webhookDurationBounds = { minMs: 1, maxMs: 10 * 60_000 };

function envBoolean(name: string): boolean | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  if (['true', '1', 'yes', 'on'].includes(text.toLowerCase())) return true;
  if (['false', '0', 'no', 'off'].includes(text.toLowerCase())) return false;
  throw new UsageError(`${name}: '${text}' is not true or false`);
}

export function webhookConfig(values: FlagValues): WebhookConfig {
  const env = process.env;
  const retry = stringFlag(values, 'webhook-retry') ?? env['OPENTILL_WEBHOOK_RETRY'] ?? 'standard';
  let schedule: RetrySchedule;
  try {
    schedule = parseRetrySchedule(retry);
  } catch (error) {
    throw new UsageError(`--webhook-retry: ${(error as Error).message}`);
  }
  const duration = (name: string, envName: string, fallback: string) => {
    const flag = stringFlag(values, name);
    return parseDuration(
      flag ?? env[envName] ?? fallback,
      flag !== undefined ? `--${name}` : envName,
      webhookDurationBounds,
    );
  };
  return {
    schedule,
    timeoutMs: duration('webhook-timeout', 'OPENTILL_WEBHOOK_TIMEOUT', '10s'),
    allowPrivate: booleanFlag(values, 'webhook-allow-private') ?? envBoolean('OPENTILL_WEBHOOK_ALLOW_PRIVATE') ?? true,
    pollMs: duration('webhook-poll', 'OPENTILL_WEBHOOK_POLL', '1s'),
  };
}

/** Starts the dispatcher of this process; `stop()` it before closing the store. */
export async function startWebhooks(
  services: Services,
  config: WebhookConfig,
  onError: (error: unknown) => void,
  onAttempt?: (delivery: ClaimedDelivery) => void,
  random?: () => number,
): Promise<WebhookDispatcher> {
  services.webhookEndpoints.configure({ allowPrivate: config.allowPrivate });
  const dispatcher = new WebhookDispatcher(services.engine, {
    schedule: config.schedule,
    sender: new HttpWebhookSender({
      ...defaultSenderOptions,
      timeoutMs: config.timeoutMs,
      allowPrivate: config.allowPrivate,
    }),
    endpoints: services.webhookEndpoints,
    pollMs: config.pollMs,
    // A claim outlives the slowest possible send, so it is never taken over while in flight.
    leaseMs: config.timeoutMs + 5_000,
    ...(random ? { random } : {}),
    // Logged with their stack by the caller (the operator log).
    onError,
    ...(onAttempt ? { onAttempt: (_attempt: unknown, delivery: ClaimedDelivery) => onAttempt(delivery) } : {}),
  });
  await dispatcher.start();
  return dispatcher;
}
