/**
 * The merchant's side of a run: every request it sent, with its Idempotency-Key, and every answer
 * it got. Requests go in-process through Fastify's `inject` (no sockets). A request whose process
 * died before answering is "unanswered": the client retries it with the same key and body, as
 * stripe-node does, until it gets an answer. Answers to one key are checked on arrival: a second
 * answer must be the first one, byte for byte (Stripe's promise).
 */
import qs from 'qs';
import { errorCodes, type ErrorCode } from '@opentill/core';
import { inject } from './edge.js';
import type { World } from './world.js';

export interface Answer {
  status: number;
  body: string;
  replayed: boolean;
  process: number;
}

export interface Sent {
  /** What the workload meant (`create_payment_intent`, …), for reports. */
  kind: string;
  key: string | null;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body: string;
  /** Account clock of the first attempt (keys are only retried within their 24 h). */
  firstAtMs: number;
  attempts: number;
  answers: Answer[];
}

/** 409s that are not an outcome: the client tries again later. */
const notAnOutcome = new Set(['idempotency_key_in_use']);

export class Client {
  readonly sent: Sent[] = [];
  readonly unanswered = new Set<Sent>();
  readonly violations: string[] = [];
  private keys = 0;

  constructor(
    private readonly world: World,
    private readonly note: (line: string) => void,
  ) {}

  /**
   * A new request, not yet sent: a POST gets a fresh Idempotency-Key (unless `keyed` is false), and
   * `tagged` creates carry it in `metadata[sim_key]`, so the auditor can count what one key made.
   */
  request(
    kind: string,
    method: Sent['method'],
    path: string,
    params: Record<string, unknown> = {},
    options: { keyed?: boolean; tagged?: boolean } = {},
  ): Sent {
    const key = (options.keyed ?? true) && method === 'POST' ? `simkey_${(this.keys += 1)}` : null;
    const body = options.tagged && key ? { ...params, metadata: { sim_key: key } } : params;
    const sent: Sent = {
      kind,
      key,
      method,
      path,
      body: encodeForm(body),
      firstAtMs: this.world.clock.nowMs(),
      attempts: 0,
      answers: [],
    };
    this.sent.push(sent);
    return sent;
  }

  /** Sends (or re-sends) a request; resolves when answered or when its process died. */
  async send(sent: Sent): Promise<Answer | null> {
    const process = this.world.process;
    sent.attempts += 1;
    const response = inject(process, {
      method: sent.method,
      url: sent.method === 'POST' || sent.body === '' ? sent.path : `${sent.path}?${sent.body}`,
      headers: {
        authorization: `Bearer ${this.world.secretKey}`,
        ...(sent.method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(sent.key ? { 'idempotency-key': sent.key } : {}),
      },
      ...(sent.method === 'POST' ? { payload: sent.body } : {}),
    }).then(
      (res) => ({ res }),
      (error: unknown) => ({ error }),
    );
    const outcome = await process.unlessDead(response);
    if (outcome.lost) {
      this.unanswered.add(sent);
      this.note(`  ${sent.kind} ${sent.key ?? ''} lost in the crash`);
      return null;
    }
    if ('error' in outcome.value) {
      this.violations.push(
        `request threw: ${sent.kind} ${sent.method} ${sent.path}: ${outcome.value.error instanceof Error ? outcome.value.error.stack : String(outcome.value.error)}`,
      );
      this.unanswered.delete(sent);
      return null;
    }
    const res = outcome.value.res;
    const answer: Answer = {
      status: res.statusCode,
      body: res.body,
      replayed: res.headers['idempotent-replayed'] === 'true',
      process: process.number,
    };
    this.note(
      `  ${sent.kind} ${sent.key ?? ''} → ${answer.status}${answer.replayed ? ' (replayed)' : ''} ${summary(answer)}`,
    );
    if (answer.status >= 500) {
      this.violations.push(
        `server error: ${sent.kind} ${sent.key ?? ''} answered ${answer.status} ${answer.body.slice(0, 300)}`,
      );
    }
    if (answer.status === 409 && notAnOutcome.has(errorCode(answer) ?? '')) {
      this.unanswered.add(sent);
      return answer;
    }
    this.unanswered.delete(sent);
    const first = sent.answers[0];
    if (first && !storedAnswer(first)) {
      // The first answer was a validation error, which Stripe does not store and a retry runs
      // again: the first outcome is a later one.
      sent.answers.length = 0;
    } else if (sent.key && first && (first.status !== answer.status || first.body !== answer.body)) {
      this.violations.push(
        `replay differs: key ${sent.key} (${sent.kind} ${sent.path}) answered differently on attempt ${sent.attempts}: ` +
          `first ${first.status} ${first.body.slice(0, 200)} / then ${answer.status} ${answer.body.slice(0, 200)}`,
      );
    }
    sent.answers.push(answer);
    return answer;
  }
}

/** Form encoding as stripe-node does it (qs, indexed arrays, brackets left readable). */
export function encodeForm(params: Record<string, unknown>): string {
  return qs.stringify(params, { arrayFormat: 'indices' }).replace(/%5B/g, '[').replace(/%5D/g, ']');
}

/**
 * Whether an answer is kept under its key (core's error table): successes, 5xx and errors after the
 * request began; not validation errors (sent without a code, or with a code the table does not store).
 */
function storedAnswer(answer: Answer): boolean {
  if (answer.status < 400 || answer.status >= 500) return true;
  const code = errorCode(answer);
  if (code === null || !(code in errorCodes)) return false;
  return errorCodes[code as ErrorCode].storedForIdempotency;
}

export function errorCode(answer: Answer): string | null {
  if (answer.status < 400) return null;
  try {
    const parsed = JSON.parse(answer.body) as { error?: { code?: string; type?: string } };
    return parsed.error?.code ?? null;
  } catch {
    return null;
  }
}

/** The answer's object, parsed, or null for an error. */
export function objectOf(answer: Answer | undefined): Record<string, unknown> | null {
  if (!answer || answer.status !== 200) return null;
  return JSON.parse(answer.body) as Record<string, unknown>;
}

function summary(answer: Answer): string {
  if (answer.status >= 400) return errorCode(answer) ?? '';
  const object = objectOf(answer);
  return object ? `${String(object['id'] ?? '')} ${String(object['status'] ?? '')}` : '';
}
