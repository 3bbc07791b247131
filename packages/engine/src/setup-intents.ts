/**
 * SetupIntent commands. Confirming verifies the card with the processor (a zero-amount check, not a
 * payment: nothing is authorized for capture) and generates a reusable `card` PaymentMethod.
 */
import {
  applySetupVerification,
  cancelSetupIntent,
  clientSecretOf,
  checkSetupConfirmable,
  createSetupIntent,
  updateSetupIntent,
  type CreateSetupIntent,
  type DomainEvent,
  type Metadata,
  type SetupIntent,
} from '@opentill/core';
import { versionsOf, type Engine, type RequestContext } from './engine.js';
import { requireCustomer } from './customers.js';
import type { StoredRecord } from './store.js';
import { kinds } from './kinds.js';

export class SetupIntents {
  constructor(private readonly engine: Engine) {}

  async create(
    ctx: RequestContext,
    command: Omit<CreateSetupIntent, 'id' | 'clientSecret'> & {
      confirm: boolean;
      paymentMethod: string | null;
      allowRedisplay?: string;
    },
  ): Promise<SetupIntent> {
    await requireCustomer(this.engine, ctx, command.fields.customer);
    const id = this.engine.ids.next('seti');
    const created = createSetupIntent(
      { ...command, id, clientSecret: clientSecretOf(id, this.engine.ids.secret(25)) },
      ctx.nowMs,
    );
    if (command.paymentMethod) await this.engine.load(ctx, kinds.paymentMethod, command.paymentMethod);
    const setupIntent = command.paymentMethod
      ? { ...created.setupIntent, payment_method: command.paymentMethod, status: 'requires_confirmation' as const }
      : created.setupIntent;
    if (!command.confirm) {
      await this.engine.commit(ctx, [setupIntent], created.events, new Map());
      return setupIntent;
    }
    // Created and confirmed in ONE commit: a crash leaves either nothing or the whole outcome.
    return this.confirm(ctx, id, {
      paymentMethod: null,
      allowRedisplay: command.allowRedisplay ?? 'unspecified',
      creating: { setupIntent, events: created.events },
    });
  }

  async retrieve(ctx: RequestContext, id: string, param = 'intent'): Promise<SetupIntent> {
    return (await this.engine.load(ctx, kinds.setupIntent, id, param)).object;
  }

  async update(
    ctx: RequestContext,
    id: string,
    update: {
      customer?: string | null;
      description?: string | null;
      paymentMethodTypes?: string[];
      metadataPatch?: (m: Metadata) => Metadata;
    },
  ): Promise<SetupIntent> {
    return this.engine.retrying(async () => {
      const record = await this.engine.load(ctx, kinds.setupIntent, id);
      await requireCustomer(this.engine, ctx, update.customer);
      const { metadataPatch, ...fields } = update;
      const next = updateSetupIntent(record.object, {
        ...fields,
        ...(metadataPatch ? { metadata: metadataPatch(record.object.metadata) } : {}),
      });
      await this.engine.commit(ctx, [next], [], versionsOf(record));
      return next;
    });
  }

  async cancel(ctx: RequestContext, id: string, reason: string | null): Promise<SetupIntent> {
    return this.engine.retrying(async () => {
      const record = await this.engine.load(ctx, kinds.setupIntent, id);
      const transition = cancelSetupIntent(record.object, reason);
      await this.engine.commit(ctx, transition.changed, transition.events, versionsOf(record));
      return transition.setupIntent;
    });
  }

  /** Verifies the card_present PaymentMethod and generates the reusable card. A decline is stored, then thrown. */
  async confirm(
    ctx: RequestContext,
    id: string,
    options: {
      paymentMethod: string | null;
      allowRedisplay: string;
      /** A SetupIntent being created (not stored yet) with its events: created and confirmed in one commit. */
      creating?: { setupIntent: SetupIntent; events: DomainEvent[] };
    },
  ): Promise<SetupIntent> {
    const outcome = await this.engine.retrying(async () => {
      const record: StoredRecord<SetupIntent> = options.creating
        ? { object: options.creating.setupIntent, version: 0 }
        : await this.engine.load(ctx, kinds.setupIntent, id);
      const paymentMethodId = options.paymentMethod ?? record.object.payment_method;
      const paymentMethod = paymentMethodId ? await this.engine.load(ctx, kinds.paymentMethod, paymentMethodId) : null;
      checkSetupConfirmable(record.object, paymentMethod?.object ?? null);
      const card = paymentMethod!.object._internal.card;
      const check = await this.engine.processor.authorize({
        accountId: ctx.accountId,
        card,
        amount: 0,
        currency: card.type === 'interac_present' ? 'cad' : 'usd',
        captureMethod: 'manual',
        requestIncrementalAuthorizationSupport: false,
        requestExtendedAuthorization: false,
        pin: null,
        nowMs: ctx.nowMs,
      });
      const applied = applySetupVerification(
        record.object,
        {
          paymentMethod: paymentMethod!.object,
          card,
          attemptId: this.engine.ids.next('setatt'),
          generatedCardId: this.engine.ids.next('pm'),
          allowRedisplay: options.allowRedisplay,
          decline: check.approved ? null : { code: check.code, declineCode: check.declineCode, message: check.message },
        },
        ctx.nowMs,
      );
      // A decline is committed, then answered: the answer is part of the recorded effect.
      await this.engine.commit(
        ctx,
        applied.changed,
        [...(options.creating?.events ?? []), ...applied.events],
        options.creating ? new Map() : versionsOf(record),
        new Map(),
        { error: applied.decline },
      );
      return applied;
    });
    if (outcome.decline) throw outcome.decline;
    return outcome.setupIntent;
  }
}
