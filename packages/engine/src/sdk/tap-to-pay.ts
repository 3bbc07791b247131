/**
 * Tap to Pay: phones as readers (docs/tap-to-pay-sdk.md). The SDK inside the phone is the device;
 * this is Stripe's side of it. At connect the phone's facts and the Location's country go through
 * the pure rules of `@opentill/core` (`checkDevice`, `checkCountry`), and the phone is registered
 * as a `mobile_phone_reader` (`_internal.link: "tap_to_pay"`). At each tap the card goes through
 * the brand rules (`acceptCard`), cardholder verification (`cardholderVerification`, with the
 * account's CVM table) and, with a PIN, the PIN environment rules (`checkPinEnvironment`); then
 * through the one card-read path of every reader (`TerminalReaders.presentPaymentMethod`).
 *
 * Stored objects (never shown by the `/v1` API):
 * - `opentill.tap_to_pay_settings` (`ttpset_<account>`): the beta opt-in and CVM overrides;
 * - `opentill.tap_to_pay_device` (`ttpdev_<hash>`): which reader an app installation is, so two
 *   first connections of one phone at once cannot register it twice.
 */
import { createHash } from 'node:crypto';
import {
  acceptCard,
  buildReader,
  cardholderVerification,
  checkCountry,
  checkDevice,
  checkPinEnvironment,
  checkWaitingForCard,
  resolveCvmLimits,
  secondsOf,
  type CvmDecision,
  type CvmLimitRow,
  type DeviceFacts,
  type Location,
  type PaymentIntent,
  type PinEnvironmentFacts,
  type Reader,
  type StoredObject,
  type TapToPayPlatform,
} from '@opentill/core';
import { compact } from '@opentill/core';
import { versionsOf, type Engine, type RequestContext } from '../engine.js';
import type { PaymentIntents } from '../payment-intents.js';
import type { CardRead } from '../ports.js';
import type { TerminalReaders } from '../terminal/readers/index.js';
import { SdkError, type SdkAuthenticated, type SdkSessions, type SdkState } from './sessions.js';

export const tapToPayDeviceType = 'mobile_phone_reader';
export const tapToPayLink = 'tap_to_pay';

export interface TapToPaySettings extends StoredObject {
  object: 'opentill.tap_to_pay_settings';
  /** The account opted into the public-beta countries. */
  beta_countries: boolean;
  /** Overrides of the default contactless CVM table, by country. */
  cvm_limits: Record<string, Partial<CvmLimitRow>>;
}

interface TapToPayDevice extends StoredObject {
  object: 'opentill.tap_to_pay_device';
  installation_id: string;
  reader: string;
}

/** What the reader remembers about the phone from its last connection (kept off the API object). */
export interface PhoneFacts {
  platform: TapToPayPlatform;
  osVersion: string;
  sdkVersion: string;
  country: string;
  simulated: boolean;
  tosAccepted: boolean;
}

export interface TapToPayConnect {
  location: string | undefined;
  simulated: boolean;
  device: unknown;
  installationId: string;
  merchantDisplayName?: string;
  onBehalfOf?: string;
  tosAcceptancePermitted: boolean;
}

export interface TapToPayConnection {
  object: 'opentill.tap_to_pay_connection';
  reader: Reader;
  merchant_display_name: string;
  country: string;
  availability: 'general' | 'beta';
  on_behalf_of: string | null;
  terms_of_service_accepted: boolean;
}

export interface TapCommand {
  number: string;
  wallet: string | null;
  pin: string | null;
  pinEnvironment: PinEnvironmentFacts | null;
  /** Builds the card read for the PaymentIntent's payment method types (as the test helper does). */
  readFor: (paymentMethodTypes: string[]) => CardRead;
}

export type TapResult =
  | { result: 'pin_required'; when: 'before_collect' }
  | { result: 'collected'; cvm: 'none' | 'pin_before_collect' | 'pin_during_confirm'; state: SdkState };

const refusal = (
  status: number,
  refused: { code: string; reason: string; message: string; field?: string },
  extra: Record<string, unknown> = {},
) =>
  new SdkError(status, refused.code, refused.message, {
    reason: refused.reason,
    ...(refused.field !== undefined ? { field: refused.field } : {}),
    ...extra,
  });

const invalid = (reason: string, message: string, field: string) =>
  refusal(400, { code: 'INVALID_REQUIRED_PARAMETER', reason, message, field });

/**
 * What the issuer of a test card wants (docs/tap-to-pay-sdk.md): the SCA-retry cards are issuers
 * requesting strong customer authentication (the offline one needs the card inserted), and the
 * offline-PIN card only verifies a PIN offline, which a phone cannot do.
 */
function issuerOf(testCard: string): {
  issuerRequestsSca: boolean;
  cardRequiresInsert: boolean;
  offlinePinOnly: boolean;
} {
  return {
    issuerRequestsSca: testCard === 'online_pin_sca_retry' || testCard === 'offline_pin_sca_retry',
    cardRequiresInsert: testCard === 'offline_pin_sca_retry',
    offlinePinOnly: testCard === 'offline_pin_cvm',
  };
}

export class TapToPay {
  constructor(
    private readonly engine: Engine,
    private readonly sessions: SdkSessions,
    private readonly readers: TerminalReaders,
    private readonly paymentIntents: PaymentIntents,
  ) {}

  // ----------------------------------------------------------------------------------------------
  // Account settings
  // ----------------------------------------------------------------------------------------------

  private settingsId(accountId: string): string {
    return `ttpset_${accountId.replace(/^acct_/, '')}`;
  }

  async settings(ctx: RequestContext): Promise<TapToPaySettings> {
    const stored = await this.engine.store.get<TapToPaySettings>(ctx.accountId, this.settingsId(ctx.accountId));
    return (
      stored?.object ?? {
        id: this.settingsId(ctx.accountId),
        object: 'opentill.tap_to_pay_settings',
        created: secondsOf(ctx.nowMs),
        livemode: false,
        beta_countries: false,
        cvm_limits: {},
      }
    );
  }

  /** The settings as shown: the whole effective CVM table. */
  view(settings: TapToPaySettings): Record<string, unknown> {
    return {
      object: settings.object,
      beta_countries: settings.beta_countries,
      cvm_limits: resolveCvmLimits(settings.cvm_limits),
    };
  }

  async updateSettings(
    ctx: RequestContext,
    update: {
      betaCountries?: boolean;
      cvmLimits?: Record<string, Partial<CvmLimitRow>>;
    },
  ): Promise<TapToPaySettings> {
    return this.engine.retrying(async () => {
      const stored = await this.engine.store.get<TapToPaySettings>(ctx.accountId, this.settingsId(ctx.accountId));
      const current = stored?.object ?? (await this.settings(ctx));
      const cvmLimits = { ...current.cvm_limits };
      for (const [country, row] of Object.entries(update.cvmLimits ?? {})) {
        cvmLimits[country.toUpperCase()] = { ...cvmLimits[country.toUpperCase()], ...row };
      }
      // Validated as a whole table, so a new country without its currency is refused here.
      resolveCvmLimits(cvmLimits);
      const next: TapToPaySettings = {
        ...current,
        beta_countries: update.betaCountries ?? current.beta_countries,
        cvm_limits: cvmLimits,
      };
      await this.engine.commit(ctx, [next], [], versionsOf(stored));
      return next;
    });
  }

  // ----------------------------------------------------------------------------------------------
  // Connection
  // ----------------------------------------------------------------------------------------------

  async connect(auth: SdkAuthenticated, command: TapToPayConnect): Promise<TapToPayConnection> {
    const { ctx } = auth;
    if (await this.holdsReader(auth)) {
      throw refusal(409, {
        code: 'ALREADY_CONNECTED_TO_READER',
        reason: 'already_connected',
        message: 'Already connected to a reader: disconnect it before connecting another one.',
      });
    }
    if (command.location === undefined || command.location === '') {
      throw refusal(400, {
        code: 'MISSING_REQUIRED_PARAMETER',
        reason: 'location_missing',
        field: 'location',
        message: 'You must provide a locationId to connect to a Tap to Pay reader.',
      });
    }
    const location = await this.location(auth, command.location);
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(command.installationId)) {
      throw invalid(
        'invalid_installation_id',
        'installation_id must be 1–64 letters, digits, "_" or "-".',
        'installation_id',
      );
    }
    const displayName = command.merchantDisplayName ?? location.display_name;
    if (displayName.trim() === '' || displayName.length > 100) {
      throw invalid(
        'invalid_merchant_display_name',
        'merchantDisplayName must be 1–100 characters.',
        'merchant_display_name',
      );
    }
    if (command.onBehalfOf !== undefined && !/^acct_[A-Za-z0-9]{1,64}$/.test(command.onBehalfOf)) {
      throw invalid('invalid_on_behalf_of', 'onBehalfOf must be a connected account id (acct_…).', 'on_behalf_of');
    }
    const device = checkDevice(command.device as DeviceFacts, { nowMs: ctx.nowMs, simulated: command.simulated });
    if (!device.ok) throw refusal(400, device);
    const facts = command.device as DeviceFacts;
    const settings = await this.settings(ctx);
    const country = checkCountry(facts.platform, location.address.country ?? '', {
      betaOptIn: settings.beta_countries,
      ...compact({ state: location.address.state ?? undefined }),
    });
    if (!country.ok) throw refusal(400, country);

    const known = await this.knownReader(ctx, command.installationId);
    const tosAlready = (known?._internal.tapToPay as PhoneFacts | undefined)?.tosAccepted === true;
    if (facts.platform === 'ios' && !tosAlready && !command.tosAcceptancePermitted) {
      throw refusal(400, {
        code: 'TAP_TO_PAY_READER_TOS_NOT_YET_ACCEPTED',
        reason: 'tos_not_accepted',
        message:
          'The Tap to Pay on iPhone Terms and Conditions have not been accepted on this device: connect with ' +
          'tosAcceptancePermitted so the merchant can accept them.',
      });
    }
    const reader = known ?? (await this.register(ctx, command.installationId, location.id, displayName));
    const phone: PhoneFacts = {
      platform: facts.platform,
      osVersion: facts.osVersion,
      sdkVersion: facts.sdkVersion,
      country: country.country,
      simulated: command.simulated,
      tosAccepted: tosAlready || facts.platform === 'ios',
    };
    const updated = await this.engine.retrying(async () => {
      const record = await this.readers.load(ctx, reader.id);
      const next: Reader = {
        ...record.object,
        location: location.id,
        label: displayName,
        device_sw_version: facts.sdkVersion,
        status: record.object._internal.offline ? record.object.status : 'online',
        last_seen_at: record.object._internal.offline ? record.object.last_seen_at : ctx.nowMs,
        _internal: { ...record.object._internal, tapToPay: phone },
      };
      await this.engine.commit(ctx, [next], [], versionsOf(record));
      return next;
    });
    const connected = await this.sessions.connect(auth, updated.id, { failIfInUse: false, simulated: false });
    return {
      object: 'opentill.tap_to_pay_connection',
      reader: connected,
      merchant_display_name: displayName,
      country: country.country,
      availability: country.availability,
      on_behalf_of: command.onBehalfOf ?? null,
      terms_of_service_accepted: facts.platform === 'ios' && !tosAlready,
    };
  }

  private async holdsReader(auth: SdkAuthenticated): Promise<boolean> {
    try {
      await this.sessions.connectedReader(auth);
      return true;
    } catch (error) {
      if (error instanceof SdkError) return false;
      throw error;
    }
  }

  private async location(auth: SdkAuthenticated, id: string): Promise<Location> {
    const scope = auth.session.object.location;
    if (scope !== null && id !== scope) {
      throw invalid(
        'location_out_of_scope',
        `This connection token is scoped to Location ${scope}: it cannot connect a reader at ${id.slice(0, 60)}.`,
        'location',
      );
    }
    const found = id.startsWith('tml_') ? await this.engine.store.get<Location>(auth.ctx.accountId, id) : null;
    if (!found || found.object.object !== 'terminal.location' || found.object['deleted'] === true) {
      throw invalid('location_not_found', `No such location: '${id.slice(0, 60)}'.`, 'location');
    }
    return found.object;
  }

  private deviceId(ctx: RequestContext, installationId: string): string {
    return `ttpdev_${createHash('sha256').update(`${ctx.accountId}/${installationId}`).digest('hex').slice(0, 32)}`;
  }

  /** The reader this app installation was registered as, if any (and not deleted since). */
  private async knownReader(ctx: RequestContext, installationId: string): Promise<Reader | null> {
    const known = await this.engine.store.get<TapToPayDevice>(ctx.accountId, this.deviceId(ctx, installationId));
    if (!known) return null;
    const reader = await this.engine.store.get<Reader>(ctx.accountId, known.object.reader);
    return reader && reader.object['deleted'] !== true ? reader.object : null;
  }

  /** The reader of this app installation, registered on its first connection. */
  private async register(
    ctx: RequestContext,
    installationId: string,
    location: string,
    label: string,
  ): Promise<Reader> {
    const deviceId = this.deviceId(ctx, installationId);
    return this.engine.retrying(async () => {
      const known = await this.engine.store.get<TapToPayDevice>(ctx.accountId, deviceId);
      if (known) {
        const reader = await this.engine.store.get<Reader>(ctx.accountId, known.object.reader);
        if (reader && reader.object['deleted'] !== true) return reader.object;
      }
      const reader = buildReader(
        {
          id: this.engine.ids.next('tmr'),
          deviceType: tapToPayDeviceType,
          label,
          location,
          metadata: {},
          serialNumber: installationId,
          deviceSwVersion: '',
          ipAddress: '0.0.0.0',
          link: tapToPayLink,
        },
        ctx.nowMs,
      );
      const mapping: TapToPayDevice = {
        id: deviceId,
        object: 'opentill.tap_to_pay_device',
        created: secondsOf(ctx.nowMs),
        livemode: false,
        installation_id: installationId,
        reader: reader.id,
      };
      // A mapping committed meanwhile by another connection makes this commit conflict and retry.
      await this.engine.commit(ctx, [mapping, reader], [], versionsOf(known));
      return reader;
    });
  }

  // ----------------------------------------------------------------------------------------------
  // A card tapped on the phone
  // ----------------------------------------------------------------------------------------------

  async tap(auth: SdkAuthenticated, command: TapCommand): Promise<TapResult> {
    const { ctx } = auth;
    const { readerId, reader } = await this.sessions.connectedReader(auth);
    const phone = reader._internal.tapToPay as PhoneFacts | undefined;
    if (reader._internal.link !== tapToPayLink || !phone) {
      throw refusal(400, {
        code: 'UNSUPPORTED_OPERATION',
        reason: 'not_tap_to_pay',
        message: `Reader ${reader.id} is not a Tap to Pay reader: cards are presented on the reader itself.`,
      });
    }
    if (reader._internal.offline) {
      throw refusal(400, {
        code: 'NOT_CONNECTED_TO_READER',
        reason: 'reader_offline',
        message: 'The Tap to Pay reader lost its connection: reconnect it.',
      });
    }
    const action = checkWaitingForCard(reader, ctx.nowMs);
    if (action.type !== 'collect_payment_method' && action.type !== 'process_payment_intent') {
      throw refusal(400, {
        code: 'UNEXPECTED_OPERATION',
        reason: 'not_collecting',
        message: `The reader is not collecting a payment method (its action is ${action.type}).`,
      });
    }
    const paymentIntent = (await this.paymentIntents.retrieve(
      ctx,
      String((action[action.type] as Record<string, unknown>)['payment_intent']),
    )) as PaymentIntent;
    const read = command.readFor(paymentIntent.payment_method_types);
    const card = this.engine.processor.readCard(ctx.accountId, { ...read, number: command.number });
    if (!card.ok) {
      // A misread: nothing changes, the customer taps again.
      throw new SdkError(402, card.code, card.message, { type: 'card_error' });
    }
    const accepted = acceptCard({
      platform: phone.platform,
      country: phone.country,
      brand: card.card.brand,
      networks: card.card.networksAvailable,
      wallet: command.wallet,
    });
    if (!accepted.ok) {
      await this.abandon(ctx, readerId);
      throw refusal(402, accepted, { type: 'card_error', decline_code: accepted.declineCode });
    }
    const settings = await this.settings(ctx);
    const decision: CvmDecision = cardholderVerification(
      {
        country: phone.country,
        currency: paymentIntent.currency,
        amount: paymentIntent.amount,
        brand: card.card.brand,
        wallet: command.wallet,
        platform: phone.platform,
        osVersion: phone.osVersion,
        sdkVersion: phone.sdkVersion,
        ...issuerOf(card.card.testCard),
      },
      { limits: settings.cvm_limits },
    );
    if (typeof decision === 'object') {
      await this.abandon(ctx, readerId);
      throw new SdkError(402, 'card_declined', decision.message, {
        type: 'card_error',
        decline_code: decision.decline,
        reason: decision.reason,
      });
    }
    if (
      decision === 'pin_before_collect' &&
      command.pin === null &&
      command.pinEnvironment?.screenshotAttempted !== true
    ) {
      return { result: 'pin_required', when: 'before_collect' };
    }
    if (command.pin !== null || command.pinEnvironment?.screenshotAttempted === true) {
      const environment = checkPinEnvironment(command.pinEnvironment ?? { internet: true });
      if (!environment.ok) {
        throw refusal(400, environment, { causes: environment.causes });
      }
    }
    await this.readers.presentPaymentMethod(
      ctx,
      readerId,
      () => ({ ...read, number: command.number, readMethod: 'contactless_emv', wallet: accepted.wallet ?? null }),
      0,
    );
    return { result: 'collected', cvm: decision, state: await this.sessions.state(auth) };
  }

  /** A refused card ends the collection: the reader is free and the PaymentIntent can be collected again. */
  private async abandon(ctx: RequestContext, readerId: string): Promise<void> {
    await this.readers.cancelAction(ctx, readerId);
  }
}
