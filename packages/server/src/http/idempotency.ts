/**
 * Idempotency keys, as Stripe implements them: the first response for a key (success or error,
 * 500 included) is stored and replayed; a different request under the same key is an
 * `idempotency_error`; the same key while the first request still runs is 409
 * `idempotency_key_in_use`; validation failures are not stored.
 */
import { hash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError, limits } from '@opentill/core';
import type { Store } from '@opentill/engine';

export class Idempotency {
  constructor(private readonly store: Store) {}

  /** Hash of what makes two requests "the same": method, path and the exact parameters sent. */
  private requestHash(request: FastifyRequest): string {
    // One-shot `hash` over one buffer: the same digest as hashing the parts in turn (stored hashes
    // stay valid), about 1.3 µs instead of 2.5 µs.
    const head = Buffer.from(`${request.method} ${request.url}\n`);
    return hash('sha256', request.rawBody ? Buffer.concat([head, request.rawBody]) : head, 'base64url');
  }

  /** Returns a stored response to replay, or null once the key is reserved for this request. */
  async begin(request: FastifyRequest, accountId: string, key: string, nowMs: number):
    Promise<{ status: number; body: string } | null> {
    if (key.length > limits.idempotencyKeyLengthMax || key.length === 0) {
      throw new ApiError('invalid_request_body',
        `Invalid Idempotency-Key: it must be between 1 and ${limits.idempotencyKeyLengthMax} characters long.`,
        { param: 'Idempotency-Key' });
    }
    const result = await this.store.idempotency.begin(accountId, key, this.requestHash(request), nowMs);
    switch (result.kind) {
      case 'started':
        request.idempotencyKey = key;
        request.idempotencyStarted = true;
        return null;
      case 'replay':
        return { status: result.status, body: result.body };
      case 'in_use':
        throw new ApiError('idempotency_key_in_use',
          'There is currently another in-progress request using this Idempotent Key (that probably means you submitted ' +
          `twice, and the other request is still going through): ${key}. Please try again later.`);
      case 'mismatch':
        throw new ApiError('idempotency_error',
          'Keys for idempotent requests can only be used with the same parameters they were first used with. Try using ' +
          `a key other than '${key}' if you meant to execute a different request.`);
    }
  }

  finish(accountId: string, key: string, status: number, body: string): Promise<void> {
    return this.store.idempotency.finish(accountId, key, status, body);
  }

  abandon(accountId: string, key: string): Promise<void> {
    return this.store.idempotency.abandon(accountId, key);
  }
}
