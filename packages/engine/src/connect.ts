/**
 * Connect for POS platforms (docs/connect.md). A connected account is an account of its own (its
 * objects, events, idempotency keys and test clock are scoped to it, like any account's) whose
 * row names its platform; the `account` object describing it is stored in the platform's scope,
 * so only that platform can find it. Requests act as it with `Stripe-Account`.
 *
 * Money: a captured charge with `transfer_data[destination]` (a destination charge) or made on a
 * connected account with `application_fee_amount` (a direct charge) is settled in the SAME commit
 * as its capture, whatever flow captured it (API capture, automatic capture, a reader): a commit
 * amendment (`Engine.amendCommits`) runs the pure `settleConnectCharge`.
 */
import { createHash } from 'node:crypto';
import {
  ApiError,
  createConnectedAccount,
  deletedAccount,
  settleConnectCharge,
  updateConnectedAccount,
  type AccountFields,
  type DomainEvent,
  type Metadata,
  type StoredObject,
} from '@opentill/core';
import { versionsOf, type AlongsideWrites, type Engine, type RequestContext } from './engine.js';
import { kinds } from './kinds.js';

/**
 * The Connect application (`ca_…`) of a platform: derived from its account id, so every process
 * names it alike without storing it.
 */
export function applicationIdOf(platformId: string): string {
  return `ca_${createHash('sha256').update(`opentill-connect:${platformId}`).digest('hex').slice(0, 32)}`;
}

function connectedOnlyError(): ApiError {
  return new ApiError(
    'invalid_request_body',
    'This request was made on behalf of a connected account (Stripe-Account header); only its platform can manage connected accounts.',
  );
}

export interface PaymentIntentConnect {
  amount: number;
  transferData?: { destination: string; amount?: number | undefined } | undefined;
  onBehalfOf?: string | undefined;
  applicationFeeAmount?: number | null | undefined;
}

export class Connect {
  constructor(private readonly engine: Engine) {
    engine.amendCommits((ctx, changed, events) => this.settle(ctx, changed, events));
  }

  /**
   * Whether the platform may act as `accountId`: it must be one of the platform's connected
   * accounts, not deleted. A request already acting as a connected account cannot hop further.
   */
  async connectedTo(platformId: string, accountId: string): Promise<boolean> {
    if (!accountId.startsWith('acct_') || accountId.includes('\u0000')) return false;
    const record = await this.engine.store.get(platformId, accountId);
    return record !== null && record.object.object === 'account' && record.object['deleted'] !== true;
  }

  async createAccount(ctx: RequestContext, fields: AccountFields): Promise<StoredObject> {
    if (ctx.platformId) throw connectedOnlyError();
    const id = this.engine.ids.next('acct');
    const account = createConnectedAccount(id, fields, ctx.nowMs);
    // The account row first: an `account` object is only ever visible with its row behind it.
    await this.engine.store.insertAccount(
      {
        id,
        created: Number(account.created),
        clockOffsetMs: 0,
        settings: {},
        platformId: ctx.accountId,
      },
      [],
    );
    await this.engine.commit(ctx, [account], [], new Map());
    return account;
  }

  /** A platform reads its connected accounts; a connected account reads itself. */
  async retrieveAccount(ctx: RequestContext, id: string): Promise<StoredObject> {
    if (ctx.platformId && id === ctx.accountId) {
      return (await this.engine.load({ ...ctx, accountId: ctx.platformId }, kinds.account, id)).object;
    }
    return (await this.engine.load(ctx, kinds.account, id)).object;
  }

  async updateAccount(
    ctx: RequestContext,
    id: string,
    fields: Parameters<typeof updateConnectedAccount>[1] & { metadataPatch?: (current: Metadata) => Metadata },
  ): Promise<StoredObject> {
    if (ctx.platformId) throw connectedOnlyError();
    return this.engine.retrying(async () => {
      const record = await this.engine.load(ctx, kinds.account, id);
      const { metadataPatch, ...rest } = fields;
      const metadata = metadataPatch?.(record.object['metadata'] as Metadata);
      const { account, previousAttributes } = updateConnectedAccount(record.object, {
        ...rest,
        ...(metadata ? { metadata } : {}),
      });
      // `account.updated` is the connected account's event: the platform's Connect endpoints hear it.
      const alongside: AlongsideWrites = {
        accountId: id,
        platformId: ctx.accountId,
        objects: [],
        events:
          Object.keys(previousAttributes).length > 0
            ? [{ type: 'account.updated', object: account, previousAttributes }]
            : [],
      };
      await this.engine.commit(ctx, [account], [], versionsOf(record), new Map(), undefined, [alongside]);
      return account;
    });
  }

  async deleteAccount(ctx: RequestContext, id: string): Promise<{ id: string; object: 'account'; deleted: true }> {
    if (ctx.platformId) throw connectedOnlyError();
    return this.engine.retrying(async () => {
      const record = await this.engine.load(ctx, kinds.account, id);
      await this.engine.commit(ctx, [deletedAccount(record.object)], [], versionsOf(record));
      return { id, object: 'account' as const, deleted: true as const };
    });
  }

  /**
   * The Connect parameters of a new PaymentIntent, checked against what the caller may reach:
   * a destination or `on_behalf_of` must be one of the caller's connected accounts, and an
   * application fee needs a destination or a direct charge (`Stripe-Account`).
   */
  async checkPaymentIntent(ctx: RequestContext, input: PaymentIntentConnect): Promise<void> {
    const destination = input.transferData?.destination;
    if (destination !== undefined && !(await this.connectedTo(ctx.accountId, destination))) {
      throw new ApiError('resource_missing', `No such destination: '${destination}'`, {
        param: 'transfer_data[destination]',
      });
    }
    if (input.onBehalfOf !== undefined) {
      if (!(await this.connectedTo(ctx.accountId, input.onBehalfOf)) && input.onBehalfOf !== ctx.accountId) {
        throw new ApiError('resource_missing', `No such account: '${input.onBehalfOf}'`, { param: 'on_behalf_of' });
      }
      if (destination !== undefined && destination !== input.onBehalfOf) {
        throw new ApiError(
          'invalid_request_body',
          'The `on_behalf_of` parameter must be the same account as `transfer_data[destination]`.',
          { param: 'on_behalf_of' },
        );
      }
    }
    const transferAmount = input.transferData?.amount;
    if (transferAmount !== undefined && transferAmount > input.amount) {
      throw new ApiError(
        'invalid_request_body',
        'The `transfer_data[amount]` cannot be greater than the PaymentIntent amount.',
        { param: 'transfer_data[amount]' },
      );
    }
    this.checkApplicationFee(ctx, input.applicationFeeAmount, destination !== undefined, input.amount);
    if (
      transferAmount !== undefined &&
      input.applicationFeeAmount !== undefined &&
      input.applicationFeeAmount !== null
    ) {
      throw new ApiError(
        'parameters_exclusive',
        'You may only specify one of these parameters: application_fee_amount, transfer_data[amount].',
        { param: 'application_fee_amount' },
      );
    }
  }

  /** An application fee is for a destination charge or a direct charge (`Stripe-Account`), and within the amount. */
  checkApplicationFee(
    ctx: RequestContext,
    fee: number | null | undefined,
    hasDestination: boolean,
    amount: number,
  ): void {
    if (fee === undefined || fee === null) return;
    if (!hasDestination && !ctx.platformId) {
      throw new ApiError(
        'invalid_request_body',
        'Can only apply an application_fee_amount when the PaymentIntent is attempting a direct payment (using an OAuth key or ' +
          'Stripe-Account header) or destination payment (using `transfer_data[destination]`).',
        { param: 'application_fee_amount' },
      );
    }
    if (fee > amount) {
      throw new ApiError(
        'invalid_request_body',
        'The application_fee_amount cannot be greater than the PaymentIntent amount.',
        { param: 'application_fee_amount' },
      );
    }
  }

  /** The commit amendment: settles every captured Connect charge among the changed objects, once. */
  private settle(ctx: RequestContext, changed: StoredObject[], events: DomainEvent[]) {
    if (!changed.some((object) => object.object === 'charge')) return null;
    let amended = false;
    const objects: StoredObject[] = [];
    const added: StoredObject[] = [];
    const addedEvents: DomainEvent[] = [];
    const alongside: AlongsideWrites[] = [];
    const replaced = new Map<string, StoredObject>();
    const platformId = ctx.platformId ?? null;
    for (const object of changed) {
      const settlement =
        object.object === 'charge'
          ? settleConnectCharge({
              charge: object,
              accountId: ctx.accountId,
              platformId,
              applicationId: applicationIdOf(platformId ?? ctx.accountId),
              ids: {
                transfer: this.engine.ids.next('tr'),
                destinationPayment: this.engine.ids.next('py'),
                applicationFee: this.engine.ids.next('fee'),
              },
              nowMs: ctx.nowMs,
            })
          : null;
      if (settlement === null) {
        objects.push(object);
        continue;
      }
      amended = true;
      objects.push(settlement.charge);
      replaced.set(object.id, settlement.charge);
      added.push(...settlement.sameAccount);
      addedEvents.push(...settlement.sameAccountEvents);
      if (settlement.otherAccount) {
        const other = settlement.otherAccount;
        // The destination's payment is a connected account's object; a direct charge's fee is the platform's own.
        alongside.push({
          accountId: other.accountId,
          platformId: other.accountId === platformId ? null : ctx.accountId,
          objects: other.objects,
          events: other.events,
        });
      }
    }
    if (!amended) return null;
    // The charge's events show it settled (`transfer`, `application_fee`), as the API then does.
    const nextEvents = events.map((event) => {
      const settled = replaced.get(event.object.id);
      return settled ? { ...event, object: settled } : event;
    });
    return { changed: [...objects, ...added], events: [...nextEvents, ...addedEvents], alongside };
  }
}
