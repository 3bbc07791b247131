/**
 * Offline payments of the mobile SDK (docs/offline.md): what a device needs to take payments
 * while the network is down (the Location's Configuration says whether it may, the limits, the
 * key it seals cards with), and the forwarding of what it stored once the network is back.
 *
 * Forwarding is what Stripe's SDK does: the PaymentIntent is created from the parameters the app
 * gave offline and confirmed with the card read at the time of the tap, in one commit. The
 * device's id of the stored payment is the idempotency key: a replay answers the PaymentIntent of
 * the first forward (declined or not) and never authorizes twice.
 *
 * The card never travels or rests in clear: the device seals it (RSA-OAEP, SHA-256) with the
 * account's offline key, whose private half never leaves the server (as Stripe's readers encrypt
 * offline card data with Stripe's keys). The full number stops at the processor, as for every read.
 */
import {
  createHash,
  generateKeyPair,
  privateDecrypt,
  constants as cryptoConstants,
  createPrivateKey,
} from 'node:crypto';
import { promisify } from 'node:util';
import {
  ApiError,
  clientSecretOf,
  createPaymentIntent,
  limits,
  resolveCvmLimits,
  secondsOf,
  type Configuration,
  type CreatePaymentIntent,
  type Location,
  type OfflineSettings,
  type PaymentIntent,
  type Reader,
  type StoredObject,
} from '@opentill/core';
import type { Engine, RequestContext } from '../engine.js';
import type { PaymentIntents } from '../payment-intents.js';
import type { PaymentMethods } from '../payment-methods.js';
import type { TerminalConfigurations } from '../terminal/configurations.js';
import { SdkError, type SdkAuthenticated } from './sessions.js';
import type { TapToPay } from './tap-to-pay.js';

/** The account's offline key pair (the private half in `_internal`, never answered). */
interface OfflineKey extends StoredObject {
  object: 'opentill.offline_key';
  public_key: string;
  _internal: { privateKeyPem: string };
}

/** One forwarded offline payment: the device's id of it and the PaymentIntent it became. */
export interface OfflinePaymentRecord extends StoredObject {
  object: 'opentill.offline_payment';
  offline_id: string;
  payment_intent: string;
  stored_at: number;
  forwarded_at: number;
}

/**
 * The account's offline limits (`/opentill/v1/offline/limits`): stored once changed, else the
 * defaults of core's limits.ts. A currency is available offline when it has a transaction limit.
 */
export interface OfflineLimits extends StoredObject {
  object: 'opentill.offline_limits';
  transaction_amount_max: Record<string, number>;
  stored_amount_max: Record<string, number>;
  payment_count_max: number;
  payment_age_max_seconds: number;
}

export interface OfflineLimitsUpdate {
  /** Per currency; null removes the currency (no offline payments in it). */
  transactionAmountMax?: Record<string, number | null>;
  storedAmountMax?: Record<string, number | null>;
  paymentCountMax?: number;
  paymentAgeMaxSeconds?: number;
}

/** What the device kept of an offline payment, as it forwards it. */
export interface ForwardCommand {
  offlineId: string;
  /** When the device stored it (its own clock, ms). */
  storedAtMs: number;
  create: Omit<CreatePaymentIntent, 'id' | 'clientSecret'>;
  /** The sealed card (base64url of the RSA-OAEP ciphertext) and the key id it was sealed with. */
  sealedCard: string;
  keyId: string;
  reader: string | null;
}

export interface ForwardResult {
  object: 'opentill.forwarded_payment';
  offline_id: string;
  /** True when this call forwarded it; false when an earlier call had (a replay). */
  forwarded_now: boolean;
  payment_intent: PaymentIntent;
  /** The decline of the forwarded payment, if the issuer refused it after the fact. */
  error: Record<string, unknown> | null;
}

class AlreadyForwarded extends Error {}

const offlineIdPattern = /^[A-Za-z0-9_-]{8,64}$/;

export class OfflinePayments {
  constructor(
    private readonly engine: Engine,
    private readonly configurations: TerminalConfigurations,
    private readonly paymentIntents: PaymentIntents,
    private readonly paymentMethods: PaymentMethods,
    private readonly tapToPay: TapToPay,
  ) {}

  /** What a device at `locationId` may do offline (asked while online, kept by the device). */
  async settings(auth: SdkAuthenticated, locationId: string): Promise<OfflineSettings> {
    const { ctx } = auth;
    const scope = auth.session.object.location;
    if (scope !== null && scope !== locationId) {
      throw new SdkError(400, 'location_out_of_scope', `This connection token is scoped to Location ${scope}.`, {
        param: 'location',
      });
    }
    const location = locationId.startsWith('tml_')
      ? await this.engine.store.get<Location>(ctx.accountId, locationId)
      : null;
    if (!location || location.object.object !== 'terminal.location' || location.object['deleted'] === true) {
      throw new ApiError('resource_missing', `No such location: '${locationId.slice(0, 60)}'`, { param: 'location' });
    }
    const configuration = await this.configurations.effectiveFor(ctx, { location: locationId } as Reader);
    const country = location.object.address.country ?? '';
    const row = resolveCvmLimits((await this.tapToPay.settings(ctx)).cvm_limits)[country.toUpperCase()];
    const key = await this.key(ctx);
    const accountLimits = await this.limits(ctx);
    return {
      object: 'opentill.offline_settings',
      location: locationId,
      enabled: offlineEnabled(configuration),
      transaction_amount_max: accountLimits.transaction_amount_max,
      stored_amount_max: accountLimits.stored_amount_max,
      payment_count_max: accountLimits.payment_count_max,
      payment_age_max_ms: accountLimits.payment_age_max_seconds * 1000,
      cvm_limit: row ? { currency: row.currency, amount: row.limit } : null,
      encryption_key: { id: key.id, algorithm: 'RSA-OAEP-256', spki: key.public_key },
    };
  }

  /** Forwards one stored payment: created and confirmed with its card, once per `offlineId`. */
  async forward(auth: SdkAuthenticated, command: ForwardCommand): Promise<ForwardResult> {
    const { ctx } = auth;
    if (!offlineIdPattern.test(command.offlineId)) {
      throw new ApiError('invalid_request_body', 'offline_id must be 8–64 letters, digits, "_" or "-".', {
        param: 'offline_id',
      });
    }
    const recordId = this.recordId(ctx, command.offlineId);
    const known = await this.engine.store.get<OfflinePaymentRecord>(ctx.accountId, recordId);
    if (known) return this.replay(ctx, known.object);

    const key = await this.key(ctx);
    if (command.keyId !== key.id) {
      // One key per account: a payment sealed with another key was taken for another account.
      throw new SdkError(
        400,
        'ACCOUNT_ID_MISMATCH_WHILE_FORWARDING',
        `The payment was sealed with key ${command.keyId.slice(0, 60)} of another account: the connection token belongs to a different ` +
          'account than the stored payment.',
        { param: 'key_id' },
      );
    }
    const card = openCard(key, command.sealedCard);
    const reader = command.reader ? await this.engine.find<Reader>(ctx, command.reader) : null;
    const at =
      reader && reader.object.object === 'terminal.reader' && reader.object['deleted'] !== true
        ? { id: reader.object.id, location: reader.object.location }
        : null;
    const scope = auth.session.object.location;
    if (scope !== null && at?.location && at.location !== scope) {
      throw new SdkError(
        403,
        'location_out_of_scope',
        `The payment was taken at a reader of another Location: this connection token is scoped to Location ${scope}.`,
        { param: 'reader' },
      );
    }
    // The device's clock may be off: a payment cannot have been stored after now (docs/offline.md).
    const storedAtMs = Math.min(command.storedAtMs, ctx.nowMs);
    const read = this.paymentMethods.fromCardRead(
      ctx,
      {
        type: 'card_present',
        number: card.number,
        readMethod: 'contactless_emv',
        wallet: card.wallet,
      },
      'sealed_card',
    );
    const paymentMethod = {
      ...read,
      card_present: {
        ...(read['card_present'] as Record<string, unknown>),
        offline: { stored_at: secondsOf(storedAtMs), type: 'deferred' },
      },
      _internal: {
        card: { ...read._internal.card, offline: { storedAt: secondsOf(storedAtMs), type: 'deferred' as const } },
      },
    };
    const id = this.engine.ids.next('pi');
    const created = createPaymentIntent(
      { ...command.create, id, clientSecret: clientSecretOf(id, this.engine.ids.secret(25)) },
      ctx.nowMs,
    );
    const record: OfflinePaymentRecord = {
      id: recordId,
      object: 'opentill.offline_payment',
      created: secondsOf(ctx.nowMs),
      livemode: false,
      offline_id: command.offlineId,
      payment_intent: id,
      stored_at: secondsOf(storedAtMs),
      forwarded_at: secondsOf(ctx.nowMs),
    };
    try {
      const paymentIntent = await this.paymentIntents.confirm(ctx, id, {
        paymentMethod: null,
        pin: null,
        tipAmount: 0,
        reader: at,
        creating: { paymentIntent: created.paymentIntent, events: created.events },
        newPaymentMethod: paymentMethod,
        // The record commits with the outcome; a forward that lost the race finds it and stops.
        alongside: async (unit) => {
          if (await this.engine.store.get(ctx.accountId, recordId)) throw new AlreadyForwarded();
          unit.put([record]);
        },
      });
      return {
        object: 'opentill.forwarded_payment',
        offline_id: command.offlineId,
        forwarded_now: true,
        payment_intent: paymentIntent,
        error: null,
      };
    } catch (error) {
      if (error instanceof AlreadyForwarded) {
        const winner = await this.engine.store.get<OfflinePaymentRecord>(ctx.accountId, recordId);
        if (winner) return this.replay(ctx, winner.object);
      }
      if (error instanceof ApiError && error.code === 'card_declined') {
        const paymentIntent = await this.paymentIntents.retrieve(ctx, id);
        return {
          object: 'opentill.forwarded_payment',
          offline_id: command.offlineId,
          forwarded_now: true,
          payment_intent: paymentIntent,
          error: declineOf(paymentIntent),
        };
      }
      throw error;
    }
  }

  /** The account's offline limits (the defaults until changed). */
  async limits(ctx: RequestContext): Promise<OfflineLimits> {
    const stored = await this.engine.store.get<OfflineLimits>(ctx.accountId, this.limitsId(ctx));
    if (stored) return stored.object;
    // The defaults date from the account (a read never makes them newer).
    const account = await this.engine.store.getAccount(ctx.accountId);
    return {
      id: this.limitsId(ctx),
      object: 'opentill.offline_limits',
      created: account?.created ?? secondsOf(ctx.nowMs),
      livemode: false,
      transaction_amount_max: { ...limits.offlineTransactionAmountMaxDefault },
      stored_amount_max: { ...limits.offlineStoredAmountMaxDefault },
      payment_count_max: limits.offlinePaymentCountMax,
      payment_age_max_seconds: limits.offlinePaymentAgeMaxMs / 1000,
    };
  }

  /** Changes the account's limits: every currency with a transaction limit needs a stored limit at least as large. */
  async updateLimits(ctx: RequestContext, update: OfflineLimitsUpdate): Promise<OfflineLimits> {
    return this.engine.retrying(async () => {
      const stored = await this.engine.store.get<OfflineLimits>(ctx.accountId, this.limitsId(ctx));
      const current = stored?.object ?? (await this.limits(ctx));
      const merge = (base: Record<string, number>, changes: Record<string, number | null> | undefined) => {
        const out = { ...base };
        for (const [currency, value] of Object.entries(changes ?? {})) {
          if (value === null) delete out[currency];
          else out[currency] = value;
        }
        return out;
      };
      const next: OfflineLimits = {
        ...current,
        transaction_amount_max: merge(current.transaction_amount_max, update.transactionAmountMax),
        stored_amount_max: merge(current.stored_amount_max, update.storedAmountMax),
        payment_count_max: update.paymentCountMax ?? current.payment_count_max,
        payment_age_max_seconds: update.paymentAgeMaxSeconds ?? current.payment_age_max_seconds,
      };
      for (const [currency, amount] of Object.entries(next.transaction_amount_max)) {
        const storedMax = next.stored_amount_max[currency];
        if (storedMax === undefined || storedMax < amount) {
          throw new ApiError(
            'invalid_request_body',
            `stored_amount_max[${currency}] must be at least transaction_amount_max[${currency}] ` + `(${amount}).`,
            { param: `stored_amount_max[${currency}]` },
          );
        }
      }
      await this.engine.commit(ctx, [next], [], new Map(stored ? [[next.id, stored.version]] : []));
      return next;
    });
  }

  private limitsId(ctx: RequestContext): string {
    return `offlim_${createHash('sha256').update(ctx.accountId).digest('hex').slice(0, 24)}`;
  }

  private async replay(ctx: RequestContext, record: OfflinePaymentRecord): Promise<ForwardResult> {
    const paymentIntent = await this.paymentIntents.retrieve(ctx, record.payment_intent);
    return {
      object: 'opentill.forwarded_payment',
      offline_id: record.offline_id,
      forwarded_now: false,
      payment_intent: paymentIntent,
      error: paymentIntent.status === 'requires_payment_method' ? declineOf(paymentIntent) : null,
    };
  }

  private recordId(ctx: RequestContext, offlineId: string): string {
    return `offpay_${createHash('sha256').update(`${ctx.accountId}/${offlineId}`).digest('hex').slice(0, 32)}`;
  }

  /** The account's offline key pair, made on first use. */
  private async key(ctx: RequestContext): Promise<OfflineKey> {
    const id = `offkey_${createHash('sha256').update(ctx.accountId).digest('hex').slice(0, 24)}`;
    return this.engine.retrying(async () => {
      const known = await this.engine.store.get<OfflineKey>(ctx.accountId, id);
      if (known) return known.object;
      // Off the event loop: an RSA key takes tens of milliseconds to make (once per account).
      const pair = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
      const key: OfflineKey = {
        id,
        object: 'opentill.offline_key',
        created: secondsOf(ctx.nowMs),
        livemode: false,
        public_key: pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
        _internal: { privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
      };
      // Two first uses at once: the second commit conflicts, retries, and reads the first key.
      await this.engine.commit(ctx, [key], [], new Map());
      return key;
    });
  }
}

function offlineEnabled(configuration: Configuration): boolean {
  const offline = configuration['offline'] as { enabled?: unknown } | null | undefined;
  return offline?.enabled === true;
}

/** The card the device sealed: `{number, wallet}` as JSON, RSA-OAEP(SHA-256). */
function openCard(
  key: OfflineKey,
  sealed: string,
): { number: string; wallet: 'apple_pay' | 'google_pay' | 'samsung_pay' | null } {
  let parsed: unknown;
  try {
    const plain = privateDecrypt(
      {
        key: createPrivateKey(key._internal.privateKeyPem),
        padding: cryptoConstants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: 'sha256',
      },
      Buffer.from(sealed, 'base64url'),
    );
    parsed = JSON.parse(plain.toString('utf8'));
  } catch {
    throw new SdkError(
      400,
      'MISSING_EMV_DATA',
      "The stored card data could not be read (not sealed with this account's offline key).",
      { param: 'sealed_card' },
    );
  }
  const card = parsed as { number?: unknown; wallet?: unknown };
  const wallets = ['apple_pay', 'google_pay', 'samsung_pay'];
  if (typeof card.number !== 'string' || !/^\d{12,19}$/.test(card.number)) {
    throw new SdkError(400, 'MISSING_EMV_DATA', 'The stored card data holds no card number.', { param: 'sealed_card' });
  }
  return {
    number: card.number,
    wallet: typeof card.wallet === 'string' && wallets.includes(card.wallet) ? (card.wallet as 'apple_pay') : null,
  };
}

function declineOf(paymentIntent: PaymentIntent): Record<string, unknown> | null {
  const error = paymentIntent['last_payment_error'] as Record<string, unknown> | null | undefined;
  return error ? { type: 'card_error', ...error } : null;
}
