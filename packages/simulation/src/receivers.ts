/**
 * Webhook receivers as in-process fakes: the dispatcher's `WebhookSender` port answered by the
 * seed. A receiver fails (500, or no answer at all) with its current failure rate, and records what
 * it accepted, so the auditor can check that every event arrived at least once, signed.
 */
import type { WebhookRequest, WebhookResponse, WebhookSender } from '@opentill/engine';
import type { Random } from './random.js';

export interface Received {
  url: string;
  body: string;
  signature: string;
}

export class Receivers {
  /** Probability that an attempt fails; 0 once the run is draining (receivers recover). */
  failureRate = 0.3;
  /** Attempts that were answered 2xx. */
  readonly accepted: Received[] = [];
  attempts = 0;

  constructor(private readonly random: Random) {}

  sender(): WebhookSender {
    return { send: (request) => this.receive(request) };
  }

  private async receive(request: WebhookRequest): Promise<WebhookResponse> {
    this.attempts += 1;
    if (this.random.chance(this.failureRate)) {
      return this.random.chance(0.5)
        ? { status: 500, excerpt: 'simulated failure', error: null, latencyMs: 0 }
        : { status: null, excerpt: '', error: 'simulated timeout', latencyMs: 0 };
    }
    this.accepted.push({ url: request.url, body: request.body, signature: request.headers['Stripe-Signature'] ?? '' });
    return { status: 200, excerpt: '', error: null, latencyMs: 0 };
  }
}
