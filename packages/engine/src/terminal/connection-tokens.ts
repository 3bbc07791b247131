/**
 * Connection tokens for Terminal SDKs: a `pst_test_…` secret, returned once and stored only as a
 * SHA-256 hash, valid for `connectionTokenLifetimeMs` and redeemable once.
 */
import { ApiError, secondsOf, type StoredObject } from '@opentill/core';
import { hashKey } from '../accounts.js';
import { versionsOf, type Engine, type RequestContext } from '../engine.js';
import { kinds } from '../kinds.js';

/** A token must be redeemed within this time (OpenTill's choice: Stripe only says "short-lived"). */
export const connectionTokenLifetimeMs = 10 * 60 * 1000;

export interface ConnectionTokenRecord extends StoredObject {
  object: 'terminal.connection_token';
  /** SHA-256 of the secret (top level: looked up by it). */
  secret_sha256: string;
  location: string | null;
  expires_at_ms: number;
  redeemed_at_ms: number | null;
}

export class TerminalConnectionTokens {
  constructor(private readonly engine: Engine) {}

  async create(
    ctx: RequestContext,
    location: string | undefined,
  ): Promise<{ object: string; secret: string; location?: string }> {
    if (location !== undefined) {
      await this.engine.load(ctx, kinds.terminalLocation, location);
    }
    const secret = `pst_test_${Buffer.from(`${ctx.accountId}.${this.engine.ids.secret(48)}`).toString('base64url')}`; // names its account, as Stripe's do
    const record: ConnectionTokenRecord = {
      id: this.engine.ids.next('pstid'),
      object: 'terminal.connection_token',
      created: secondsOf(ctx.nowMs),
      livemode: false,
      secret_sha256: hashKey(secret),
      location: location ?? null,
      expires_at_ms: ctx.nowMs + connectionTokenLifetimeMs,
      redeemed_at_ms: null,
    };
    const answer = { object: 'terminal.connection_token', secret, ...(location !== undefined ? { location } : {}) };
    // The secret is shown once and stored only hashed: the answer itself is the recorded effect (sealed).
    await this.engine.commit(ctx, [record], [], new Map(), new Map(), { answer });
    return answer;
  }

  /**
   * Redeems a token (what a Terminal SDK does when it connects): valid, unexpired, unused. Returns
   * its location scope. For the client-SDK issue.
   */
  async redeem(ctx: RequestContext, secret: string): Promise<{ location: string | null }> {
    return this.engine.retrying(async () => {
      const found = await this.engine.store.list<ConnectionTokenRecord>({
        accountId: ctx.accountId,
        type: 'terminal.connection_token',
        limit: 1,
        filters: [{ field: 'secret_sha256', op: 'eq', value: hashKey(secret) }],
      });
      const token = found.data[0];
      if (!token || token.redeemed_at_ms !== null || token.expires_at_ms <= ctx.nowMs) {
        throw new ApiError('invalid_request_body', 'Invalid, expired or already used connection token.');
      }
      const record = await this.engine.store.get<ConnectionTokenRecord>(ctx.accountId, token.id);
      if (!record || record.object.redeemed_at_ms !== null) {
        throw new ApiError('invalid_request_body', 'Invalid, expired or already used connection token.');
      }
      await this.engine.commit(ctx, [{ ...record.object, redeemed_at_ms: ctx.nowMs }], [], versionsOf(record));
      return { location: record.object.location };
    });
  }
}
