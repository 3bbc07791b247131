/**
 * The rest of React Native's `useStripeTerminal` surface (docs/tap-to-pay-sdk.md, "The whole
 * surface"): Locations, SetupIntents, refunds, the reader display, collectInputs, collectData,
 * reader settings and print. API calls go through the mobile SDK's session; reader work through
 * the connected server reader (server-readers.ts). Where a reader kind cannot do something, the
 * answer is React Native's error for it (UNSUPPORTED_OPERATION, PRINTER_ABSENT…), never a fake result.
 */
import type { Json, SdkTransport } from '../transport.js';
import { ErrorCode, fromFailure, stripeError } from './errors.js';
import type { ExternalReaders } from './external.js';
import type { OperationSlot } from './operation.js';
import type {
  CancelSetupIntentMethodParams,
  Cart,
  CollectDataParams,
  CollectDataResultType,
  CollectSetupIntentPaymentMethodParams,
  ConfirmSetupIntentMethodParams,
  CreateSetupIntentParams,
  GetLocationsParams,
  GetLocationsResultType,
  ICollectInputsParameters,
  ICollectInputsResults,
  Location,
  PrintContent,
  ProcessRefundResultType,
  ProcessSetupIntentParams,
  ReaderSettings,
  ReaderSettingsParameters,
  RefundParams,
  SetupIntent,
  SetupIntentResultType,
} from './rn-types.js';
import { refundFrom, setupIntentFrom, type ServerReaders } from './server-readers.js';
import type { Cancelable, ErrorResult, StripeError } from './types.js';

export interface FeatureHost {
  transport: SdkTransport;
  server: ServerReaders;
  external: ExternalReaders;
  slot: OperationSlot;
  /** The connected reader's kind. */
  kind(): 'tapToPay' | 'mobile' | 'internet' | null;
}

const notConnected = () =>
  stripeError(ErrorCode.NOT_CONNECTED_TO_READER, 'No reader is connected: call connectReader first.');
const unsupported = (what: string, kinds: string) =>
  stripeError(ErrorCode.UNSUPPORTED_OPERATION, `${what} is only supported on ${kinds}.`);
const done = <T>(value: T): Cancelable<T> =>
  Object.assign(Promise.resolve(value), {
    cancel: async () => ({ error: stripeError(ErrorCode.CANCEL_FAILED, 'The operation has already completed.') }),
  });

const wireTypes: Readonly<Record<string, string>> = { cardPresent: 'card_present', interacPresent: 'interac_present' };

export class ReaderFeatures {
  /** The refund collected by `collectRefundPaymentMethod`, confirmed by `confirmRefund`. */
  private refundCollected = false;

  constructor(private readonly host: FeatureHost) {}

  /** An error when no reader of `kinds` is connected. */
  private needs(what: string, kinds: Array<'tapToPay' | 'mobile' | 'internet'>, label: string): StripeError | null {
    const kind = this.host.kind();
    if (kind === null) return notConnected();
    return kinds.includes(kind) ? null : unsupported(what, label);
  }

  // Locations ------------------------------------------------------------------------------------------

  async getLocations(params: GetLocationsParams = {}): Promise<GetLocationsResultType> {
    const query = new URLSearchParams();
    if (params.limit !== undefined) query.set('limit', String(params.limit));
    if (params.startingAfter) query.set('starting_after', params.startingAfter);
    if (params.endingBefore) query.set('ending_before', params.endingBefore);
    const listed = await this.host.transport.request<{ data: Json[]; has_more: boolean }>(
      'GET',
      `/locations?${query.toString()}`,
    );
    if (!listed.ok) return { error: fromFailure(listed) };
    return { locations: listed.data.data.map(locationFrom), hasMore: listed.data.has_more };
  }

  // SetupIntents ---------------------------------------------------------------------------------------

  async createSetupIntent(params: CreateSetupIntentParams = {}): Promise<SetupIntentResultType> {
    const body: Json = {
      ...(params.customer ? { customer: params.customer } : {}),
      ...(params.description ? { description: params.description } : {}),
      ...(params.metadata ? { metadata: params.metadata } : {}),
      ...(params.onBehalfOf ? { on_behalf_of: params.onBehalfOf } : {}),
      ...(params.paymentMethodTypes
        ? { payment_method_types: params.paymentMethodTypes.map((type) => wireTypes[type] ?? type) }
        : {}),
      ...(params.usage
        ? {
            usage:
              params.usage === 'onSession'
                ? 'on_session'
                : params.usage === 'offSession'
                  ? 'off_session'
                  : params.usage,
          }
        : {}),
    };
    const created = await this.host.transport.request<Json>('POST', '/setup_intents', body);
    return created.ok ? { setupIntent: setupIntentFrom(created.data) } : { error: fromFailure(created) };
  }

  async retrieveSetupIntent(clientSecret: string): Promise<SetupIntentResultType> {
    if (typeof clientSecret !== 'string' || clientSecret === '') {
      return {
        error: stripeError(
          ErrorCode.INVALID_CLIENT_SECRET,
          'retrieveSetupIntent needs the client secret of a SetupIntent.',
        ),
      };
    }
    const found = await this.host.transport.request<Json>('POST', '/setup_intents/retrieve', {
      client_secret: clientSecret,
    });
    return found.ok ? { setupIntent: setupIntentFrom(found.data) } : { error: fromFailure(found) };
  }

  async cancelSetupIntent(params: CancelSetupIntentMethodParams): Promise<SetupIntentResultType> {
    const secret = secretOf(params?.setupIntent);
    if (typeof secret !== 'string') return { error: secret };
    const canceled = await this.host.transport.request<Json>('POST', '/setup_intents/cancel', {
      client_secret: secret,
    });
    return canceled.ok ? { setupIntent: setupIntentFrom(canceled.data) } : { error: fromFailure(canceled) };
  }

  collectSetupIntentPaymentMethod(params: CollectSetupIntentPaymentMethodParams): Cancelable<SetupIntentResultType> {
    const refused = this.needs(
      'collectSetupIntentPaymentMethod',
      ['mobile', 'internet'],
      'Bluetooth, USB and internet readers',
    );
    if (refused) return done({ error: refused });
    return this.host.slot.run('collectSetupIntentPaymentMethod', () => this.collectSetup(params));
  }

  private async collectSetup(params: CollectSetupIntentPaymentMethodParams): Promise<SetupIntentResultType> {
    const secret = secretOf(params?.setupIntent);
    if (typeof secret !== 'string') return { error: secret };
    const collected = await this.host.server.collectSetupIntent(
      secret,
      params.allowRedisplay ?? 'unspecified',
      params.customerCancellation,
    );
    return 'error' in collected ? { error: collected.error } : { setupIntent: setupIntentFrom(collected.setupIntent) };
  }

  confirmSetupIntent(params: ConfirmSetupIntentMethodParams): Cancelable<SetupIntentResultType> {
    const refused = this.needs('confirmSetupIntent', ['mobile', 'internet'], 'Bluetooth, USB and internet readers');
    if (refused) return done({ error: refused });
    return this.host.slot.run('confirmSetupIntent', () => this.confirmSetup(params.setupIntent));
  }

  private async confirmSetup(setupIntent: SetupIntent | undefined): Promise<SetupIntentResultType> {
    if (!setupIntent?.id) {
      return {
        error: stripeError(
          ErrorCode.CONFIRM_INVALID_SETUP_INTENT,
          'confirmSetupIntent needs the SetupIntent collectSetupIntentPaymentMethod returned.',
        ),
      };
    }
    const confirmed = await this.host.server.confirmSetupIntent(setupIntent.apiObject ?? { id: setupIntent.id });
    return 'error' in confirmed ? { error: confirmed.error } : { setupIntent: setupIntentFrom(confirmed.setupIntent) };
  }

  processSetupIntent(params: ProcessSetupIntentParams): Cancelable<SetupIntentResultType> {
    const refused = this.needs('processSetupIntent', ['mobile', 'internet'], 'Bluetooth, USB and internet readers');
    if (refused) return done({ error: refused });
    return this.host.slot.run('processSetupIntent', async () => {
      const collected = await this.collectSetup(params);
      return collected.error ? collected : this.confirmSetup(collected.setupIntent);
    });
  }

  async cancelCollectSetupIntent(): Promise<ErrorResult> {
    return this.cancelRunning(['collectSetupIntentPaymentMethod', 'processSetupIntent'], () =>
      this.host.server.cancelCollectSetupIntent(),
    );
  }

  async cancelConfirmSetupIntent(): Promise<ErrorResult> {
    return this.cancelRunning(['confirmSetupIntent'], () => this.host.server.cancelConfirmSetupIntent());
  }

  async cancelProcessSetupIntent(): Promise<ErrorResult> {
    return this.cancelRunning(['processSetupIntent'], () => this.host.server.cancelCollectSetupIntent());
  }

  private async cancelRunning(names: string[], cancel: () => Promise<ErrorResult>): Promise<ErrorResult> {
    const running = this.host.slot.running?.name;
    if (!running || !names.includes(running)) {
      return {
        error: stripeError(ErrorCode.CANCEL_FAILED, `${names[0]} could not be canceled because it is not running.`),
      };
    }
    return cancel();
  }

  // Refunds --------------------------------------------------------------------------------------------

  /** `processRefund`: the card is read on the reader, then the refund is made (React Native beta.30's one-call refund). */
  processRefund(params: RefundParams): Cancelable<ProcessRefundResultType> {
    const refused = this.needs('processRefund', ['mobile', 'internet'], 'Bluetooth, USB and internet readers');
    if (refused) return done({ error: refused });
    return this.host.slot.run('processRefund', async () => {
      const collected = await this.collectRefund(params);
      if (collected.error) return collected;
      return this.confirmRefundNow();
    });
  }

  /** The two-step refund of earlier React Native versions: read the card… */
  collectRefundPaymentMethod(params: RefundParams): Cancelable<ErrorResult> {
    const refused = this.needs(
      'collectRefundPaymentMethod',
      ['mobile', 'internet'],
      'Bluetooth, USB and internet readers',
    );
    if (refused) return done({ error: refused });
    return this.host.slot.run('processRefund', () => this.collectRefund(params));
  }

  /** …then refund. */
  async confirmRefund(): Promise<ProcessRefundResultType> {
    if (!this.refundCollected) {
      return {
        error: stripeError(
          ErrorCode.UNEXPECTED_OPERATION,
          'confirmRefund needs a refund payment method collected first.',
        ),
      };
    }
    return this.confirmRefundNow();
  }

  private async collectRefund(params: RefundParams): Promise<ErrorResult> {
    if (!params || typeof params.amount !== 'number' || typeof params.currency !== 'string') {
      return { error: stripeError(ErrorCode.MISSING_REQUIRED_PARAMETER, 'A refund needs an amount and a currency.') };
    }
    let chargeId: string;
    if ('chargeId' in params && typeof params.chargeId === 'string') {
      chargeId = params.chargeId;
    } else {
      const withIntent = params as { paymentIntentId?: string; clientSecret?: string };
      if (!withIntent.clientSecret) {
        return {
          error: stripeError(
            ErrorCode.MISSING_REQUIRED_PARAMETER,
            'A refund needs a chargeId, or a paymentIntentId with its clientSecret.',
          ),
        };
      }
      const found = await this.host.transport.request<Json>('POST', '/payment_intents/retrieve', {
        client_secret: withIntent.clientSecret,
      });
      if (!found.ok) return { error: fromFailure(found) };
      const charge = found.data['latest_charge'];
      const id = typeof charge === 'string' ? charge : (charge as Json | null)?.['id'];
      if (typeof id !== 'string' || (withIntent.paymentIntentId && found.data['id'] !== withIntent.paymentIntentId)) {
        return {
          error: stripeError(ErrorCode.INVALID_REQUIRED_PARAMETER, 'This PaymentIntent has no charge to refund.'),
        };
      }
      chargeId = id;
    }
    this.refundCollected = false;
    const collected = await this.host.server.collectRefund(chargeId, params.amount, params.currency, params);
    if (!collected.error) this.refundCollected = true;
    return collected;
  }

  private async confirmRefundNow(): Promise<ProcessRefundResultType> {
    const refunded = await this.host.server.confirmRefund();
    this.refundCollected = false;
    return 'error' in refunded ? { error: refunded.error } : { refund: refundFrom(refunded.refund) };
  }

  async cancelProcessRefund(): Promise<ErrorResult> {
    return this.cancelRunning(['processRefund'], () => this.host.server.cancelRefund());
  }

  // Reader display, inputs, data, settings, print ------------------------------------------------------------

  async setReaderDisplay(cart: Cart): Promise<ErrorResult> {
    const refused = this.needs('setReaderDisplay', ['mobile', 'internet'], 'Bluetooth, USB and internet readers');
    if (refused) return { error: refused };
    if (!cart || typeof cart.currency !== 'string' || !Array.isArray(cart.lineItems)) {
      return {
        error: stripeError(
          ErrorCode.INVALID_REQUIRED_PARAMETER,
          'setReaderDisplay needs a cart with currency, tax, total and lineItems.',
        ),
      };
    }
    return this.host.server.setReaderDisplay(cart);
  }

  async clearReaderDisplay(): Promise<ErrorResult> {
    const refused = this.needs('clearReaderDisplay', ['mobile', 'internet'], 'Bluetooth, USB and internet readers');
    if (refused) return { error: refused };
    return this.host.server.clearReaderDisplay();
  }

  collectInputs(params: ICollectInputsParameters): Cancelable<ICollectInputsResults> {
    const kind = this.host.kind();
    if (kind === null) return done({ error: notConnected() });
    // Smart readers only: over the internet, or the Stripe Reader S700 over USB.
    if (kind !== 'internet' && this.host.external.connection?.reader.deviceType !== 'stripeS700') {
      return done({
        error: stripeError(
          ErrorCode.COLLECT_INPUTS_UNSUPPORTED,
          'collectInputs is only supported on smart readers (internet, or the S700 over USB).',
        ),
      });
    }
    if (!params || !Array.isArray(params.inputs) || params.inputs.length === 0) {
      return done({
        error: stripeError(ErrorCode.COLLECT_INPUTS_INVALID_PARAMETER, 'collectInputs needs at least one input.'),
      });
    }
    return this.host.slot.run('collectInputs', async () => {
      const collected = await this.host.server.collectInputs(params);
      if ('error' in collected) {
        const timedOut = collected.error.message.toLowerCase().includes('timed out');
        return { error: timedOut ? { ...collected.error, code: ErrorCode.COLLECT_INPUTS_TIMED_OUT } : collected.error };
      }
      return { collectInputResults: collected.collectInputResults };
    });
  }

  async cancelCollectInputs(): Promise<ErrorResult> {
    return this.cancelRunning(['collectInputs'], () => this.host.server.cancelCollectInputs());
  }

  /**
   * `collectData` (magstripe or NFC UID of a non-payment card): no OpenTill reader reads
   * non-payment cards, so it answers UNSUPPORTED_OPERATION on every kind (docs/decisions.md).
   */
  collectData(params: CollectDataParams): Cancelable<CollectDataResultType> {
    const kind = this.host.kind();
    if (kind === null) return done({ error: notConnected() });
    if (!params || typeof params.collectDataType !== 'string') {
      return done({ error: stripeError(ErrorCode.MISSING_REQUIRED_PARAMETER, 'collectData needs a collectDataType.') });
    }
    return done({
      error: unsupported(
        `collectData (${params.collectDataType})`,
        'readers that read non-payment cards, which OpenTill does not simulate',
      ),
    });
  }

  async cancelCollectData(): Promise<ErrorResult> {
    return {
      error: stripeError(ErrorCode.CANCEL_FAILED, 'collectData could not be canceled because it is not running.'),
    };
  }

  async getReaderSettings(): Promise<ReaderSettings> {
    return this.settings(undefined);
  }

  async setReaderSettings(params: ReaderSettingsParameters): Promise<ReaderSettings> {
    if (!params || typeof params.textToSpeechViaSpeakers !== 'boolean') {
      return {
        error: stripeError(
          ErrorCode.INVALID_REQUIRED_PARAMETER,
          'setReaderSettings needs textToSpeechViaSpeakers (a boolean).',
        ),
      };
    }
    return this.settings(params.textToSpeechViaSpeakers);
  }

  private async settings(speakers: boolean | undefined): Promise<ReaderSettings> {
    const refused = this.needs('Reader settings', ['internet'], 'smart readers (internet)');
    if (refused)
      return {
        error:
          refused.code === ErrorCode.UNSUPPORTED_OPERATION
            ? { ...refused, code: ErrorCode.READER_SETTINGS_ERROR }
            : refused,
      };
    const answered = await this.host.server.readerSettings(speakers);
    return 'error' in answered
      ? { error: answered.error }
      : { accessibility: { textToSpeechStatus: answered.textToSpeechStatus } };
  }

  /** No OpenTill reader has a printer: PRINTER_ABSENT once the content is valid. */
  async print(content: PrintContent): Promise<ErrorResult> {
    if (this.host.kind() === null) return { error: notConnected() };
    if (
      typeof content !== 'string' ||
      !/^(data:image\/(png|jpeg);base64,)?[A-Za-z0-9+/=\s]+$/.test(content) ||
      content.length < 8
    ) {
      return {
        error: stripeError(
          ErrorCode.INVALID_REQUIRED_PARAMETER,
          'print needs a JPEG or PNG image, base64 or a data: URI.',
        ),
      };
    }
    return { error: stripeError(ErrorCode.PRINTER_ABSENT, 'The connected reader has no printer.') };
  }
}

function secretOf(setupIntent: SetupIntent | undefined): string | StripeError {
  const secret = setupIntent?.clientSecret ?? (setupIntent?.apiObject?.['client_secret'] as string | undefined);
  return typeof secret === 'string' && secret !== ''
    ? secret
    : stripeError(
        ErrorCode.INVALID_REQUIRED_PARAMETER,
        'Pass the SetupIntent createSetupIntent or retrieveSetupIntent returned.',
      );
}

function locationFrom(api: Json): Location {
  const address = (api['address'] ?? {}) as Json;
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const mapped: Location = { id: String(api['id']), livemode: api['livemode'] === true };
  const displayName = text(api['display_name']);
  if (displayName) mapped.displayName = displayName;
  mapped.address = Object.fromEntries(
    Object.entries({
      city: text(address['city']),
      country: text(address['country']),
      postalCode: text(address['postal_code']),
      line1: text(address['line1']),
      line2: text(address['line2']),
      state: text(address['state']),
    }).filter(([, value]) => value !== undefined),
  );
  return mapped;
}
