/**
 * The SetupIntent state machine for in-person card saving (`card_present`): a card read on a reader
 * is verified, and a reusable `card` PaymentMethod is generated from it (`generated_card`).
 *
 *   requires_payment_method ─(confirm with a card_present PM)→ succeeded
 *          ↑            └── verification declined: last_setup_error, back here
 *   requires_payment_method | requires_confirmation | requires_action ─(cancel)→ canceled
 */
import { ApiError, type ErrorCode } from './errors.js';
import { secondsOf, type DomainEvent, type Metadata, type StoredObject, type Transition } from './domain.js';
import type { CardFacts } from './card.js';
import { buildGeneratedCard } from './payment-method.js';

export type SetupIntentStatus =
  'requires_payment_method' | 'requires_confirmation' | 'requires_action' | 'processing' | 'canceled' | 'succeeded';

export interface SetupIntent extends StoredObject {
  object: 'setup_intent';
  cancellation_reason: string | null;
  client_secret: string;
  customer: string | null;
  description: string | null;
  last_setup_error: Record<string, unknown> | null;
  latest_attempt: string | null;
  metadata: Metadata;
  payment_method: string | null;
  payment_method_types: string[];
  status: SetupIntentStatus;
  usage: 'off_session' | 'on_session';
}

export interface CreateSetupIntent {
  id: string;
  clientSecret: string;
  paymentMethodTypes: string[];
  usage: SetupIntent['usage'];
  fields: Partial<Pick<SetupIntent, 'customer' | 'description' | 'metadata' | 'on_behalf_of'>>;
}

const cancellable: readonly SetupIntentStatus[] = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
];
const editable: readonly SetupIntentStatus[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];

export function createSetupIntent(
  command: CreateSetupIntent,
  nowMs: number,
): Transition & { setupIntent: SetupIntent } {
  const setupIntent: SetupIntent = {
    id: command.id,
    object: 'setup_intent',
    allowed_payment_method_types: null,
    application: null,
    automatic_payment_methods: null,
    cancellation_reason: null,
    client_secret: command.clientSecret,
    created: secondsOf(nowMs),
    customer: null,
    description: null,
    excluded_payment_method_types: null,
    flow_directions: null,
    last_setup_error: null,
    latest_attempt: null,
    livemode: false,
    mandate: null,
    metadata: {},
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: Object.fromEntries(command.paymentMethodTypes.map((type) => [type, {}])),
    payment_method_types: command.paymentMethodTypes,
    single_use_mandate: null,
    status: 'requires_payment_method',
    usage: command.usage,
    ...command.fields,
  };
  return { setupIntent, changed: [setupIntent], events: [{ type: 'setup_intent.created', object: setupIntent }] };
}

function unexpectedState(setupIntent: SetupIntent, message: string): ApiError {
  return new ApiError('setup_intent_unexpected_state', message, { setup_intent: setupIntent });
}

export function updateSetupIntent(
  setupIntent: SetupIntent,
  fields: Partial<Pick<SetupIntent, 'customer' | 'description' | 'metadata'>> & {
    paymentMethodTypes?: string[];
  },
): SetupIntent {
  if (
    !editable.includes(setupIntent.status) &&
    (fields.paymentMethodTypes !== undefined || fields.customer !== undefined)
  ) {
    throw unexpectedState(
      setupIntent,
      `You cannot update this SetupIntent because it has a status of ${setupIntent.status}.`,
    );
  }
  const { paymentMethodTypes, ...rest } = fields;
  return {
    ...setupIntent,
    ...rest,
    ...(paymentMethodTypes
      ? {
          payment_method_types: paymentMethodTypes,
          payment_method_options: Object.fromEntries(paymentMethodTypes.map((type) => [type, {}])),
        }
      : {}),
  };
}

export function cancelSetupIntent(
  setupIntent: SetupIntent,
  reason: string | null,
): Transition & { setupIntent: SetupIntent } {
  if (!cancellable.includes(setupIntent.status)) {
    throw unexpectedState(
      setupIntent,
      `You cannot cancel this SetupIntent because it has a status of ${setupIntent.status}. Only a SetupIntent with one ` +
        `of the following statuses may be canceled: ${cancellable.join(', ')}.`,
    );
  }
  const canceled: SetupIntent = { ...setupIntent, status: 'canceled', cancellation_reason: reason };
  return { setupIntent: canceled, changed: [canceled], events: [{ type: 'setup_intent.canceled', object: canceled }] };
}

export function checkSetupConfirmable(setupIntent: SetupIntent, paymentMethod: StoredObject | null): void {
  if (setupIntent.status !== 'requires_payment_method' && setupIntent.status !== 'requires_confirmation') {
    throw unexpectedState(
      setupIntent,
      `You cannot confirm this SetupIntent because it has a status of ${setupIntent.status}.`,
    );
  }
  if (paymentMethod === null) {
    throw unexpectedState(
      setupIntent,
      "You cannot confirm this SetupIntent because it's missing a payment method. Confirm it with a payment_method.",
    );
  }
  if (!setupIntent.payment_method_types.includes(String(paymentMethod['type']))) {
    throw new ApiError(
      'payment_intent_incompatible_payment_method',
      `The PaymentMethod provided (${String(paymentMethod['type'])}) is not allowed for this SetupIntent. Allowed types: ` +
        `${setupIntent.payment_method_types.join(', ')}.`,
      { param: 'payment_method', setup_intent: setupIntent },
    );
  }
}

export interface ApplySetupVerification {
  paymentMethod: StoredObject;
  card: CardFacts;
  attemptId: string;
  generatedCardId: string;
  allowRedisplay: string;
  /** Null: verified. Otherwise the card error of the verification. */
  decline: {
    code: ErrorCode & ('card_declined' | 'expired_card' | 'incorrect_pin' | 'processing_error');
    declineCode: string | null;
    message: string;
  } | null;
}

/**
 * The verification's result: on success a generated `card` PaymentMethod (attached to the
 * customer, if any) becomes the SetupIntent's payment method; on a decline the SetupIntent keeps
 * asking for a payment method, with `last_setup_error`.
 */
export function applySetupVerification(
  setupIntent: SetupIntent,
  command: ApplySetupVerification,
  nowMs: number,
): Transition & { setupIntent: SetupIntent; generatedCard: StoredObject | null; decline: ApiError | null } {
  const { card, decline } = command;
  // Stripe's SetupAttempt shows only these two of a card_present read (the card is on the PaymentMethod).
  const presentDetails = { generated_card: decline ? null : command.generatedCardId, offline: null };
  const attempt: StoredObject = {
    id: command.attemptId,
    object: 'setup_attempt',
    application: null,
    attach_to_self: false,
    created: secondsOf(nowMs),
    customer: setupIntent.customer,
    customer_account: null,
    flow_directions: null,
    livemode: false,
    on_behalf_of: null,
    payment_method: command.paymentMethod.id,
    payment_method_details: { type: card.type, [card.type]: presentDetails },
    setup_error: decline
      ? { code: decline.code, decline_code: decline.declineCode, message: decline.message, type: 'card_error' }
      : null,
    setup_intent: setupIntent.id,
    status: decline ? 'failed' : 'succeeded',
    usage: setupIntent.usage,
  };
  if (decline) {
    const error = {
      code: decline.code,
      ...(decline.declineCode ? { decline_code: decline.declineCode } : {}),
      doc_url: `https://stripe.com/docs/error-codes/${decline.code.replaceAll('_', '-')}`,
      message: decline.message,
      payment_method: command.paymentMethod,
      type: 'card_error',
    };
    const failed: SetupIntent = {
      ...setupIntent,
      status: 'requires_payment_method',
      payment_method: null,
      last_setup_error: error,
      latest_attempt: attempt.id,
    };
    const apiError = new ApiError(decline.code, decline.message, {
      ...(decline.declineCode ? { decline_code: decline.declineCode } : {}),
      setup_intent: failed,
    });
    return {
      setupIntent: failed,
      generatedCard: null,
      decline: apiError,
      changed: [failed, attempt],
      events: [{ type: 'setup_intent.setup_failed', object: failed }],
    };
  }
  const generatedCard = buildGeneratedCard({
    id: command.generatedCardId,
    card,
    from: command.paymentMethod,
    // Generated by a SetupAttempt: there is no payment, so no payment details.
    generatedFrom: { charge: null, paymentMethodDetails: null, setupAttempt: attempt.id },
    customer: setupIntent.customer,
    allowRedisplay: command.allowRedisplay,
    nowMs,
  });
  const succeeded: SetupIntent = {
    ...setupIntent,
    status: 'succeeded',
    payment_method: generatedCard.id,
    last_setup_error: null,
    latest_attempt: attempt.id,
  };
  const events: DomainEvent[] = [{ type: 'setup_intent.succeeded', object: succeeded }];
  if (setupIntent.customer) events.unshift({ type: 'payment_method.attached', object: generatedCard });
  return { setupIntent: succeeded, generatedCard, decline: null, changed: [succeeded, attempt, generatedCard], events };
}
