/**
 * Terminal readers: one service, `TerminalReaders`, made of small parts — the registry (registration
 * and CRUD), the actions (server → reader), the device reports (reader → server), the authorization
 * (load → decide → commit), fault injection, time-driven work and the simulated customer. Every
 * reader change is decided by the pure machine in `@opentill/core` (`terminal/reader.ts`,
 * `terminal/reader-authorization.ts`) and committed with its events; payments go through
 * `PaymentMethods.createFromCardRead` and `PaymentIntents`' confirmation steps, the one card-read
 * path and the one authorization path.
 */
import {
  readerDeadline,
  type Cart,
  type Metadata,
  type Reader,
  type ReaderFaults,
  type RefundPaymentCommand,
} from '@opentill/core';
import type { Engine, RequestContext } from '../../engine.js';
import type { PaymentIntents } from '../../payment-intents.js';
import type { PaymentMethods } from '../../payment-methods.js';
import type { CardRead } from '../../ports.js';
import type { Refunds } from '../../refunds.js';
import type { SetupIntents } from '../../setup-intents.js';
import type { StoredRecord } from '../../store.js';
import type { CardholderPin, ReaderLinks } from '../reader-link.js';
import { ReaderActions } from './actions.js';
import { ReaderAuthorizations } from './authorization.js';
import { ReaderDeadlines } from './deadlines.js';
import { DeviceReports } from './device-reports.js';
import { ReaderFaultInjection } from './faults.js';
import { ReaderRegistry } from './registry.js';
import { SimulatedCustomer } from './simulated-customer.js';

export { simulatedRegistrationCodes } from './registry.js';
export { readerDeadline };

export class TerminalReaders {
  private readonly registry: ReaderRegistry;
  private readonly authorization: ReaderAuthorizations;
  private readonly actions: ReaderActions;
  private readonly reports: DeviceReports;
  private readonly customer: SimulatedCustomer;
  private readonly faults: ReaderFaultInjection;
  private readonly deadlines: ReaderDeadlines;

  constructor(
    engine: Engine,
    links: ReaderLinks,
    paymentIntents: PaymentIntents,
    paymentMethods: PaymentMethods,
    refunds: Refunds,
    setupIntents: SetupIntents,
  ) {
    const services = { engine, links, paymentIntents, paymentMethods, refunds, setupIntents };
    this.registry = new ReaderRegistry(services);
    this.authorization = new ReaderAuthorizations(services);
    this.actions = new ReaderActions(services, this.authorization);
    this.reports = new DeviceReports(services, this.authorization);
    this.customer = new SimulatedCustomer(services);
    this.faults = new ReaderFaultInjection(services);
    this.deadlines = new ReaderDeadlines(services, this.authorization, this.actions, this.reports);
  }

  // Registry ---------------------------------------------------------------------------------------

  /** The reader as the API shows it: status and last signal come from the reader port. */
  view(reader: Reader, nowMs: number): Reader {
    return this.registry.view(reader, nowMs);
  }

  load(ctx: RequestContext, id: string, param = 'id'): Promise<StoredRecord<Reader>> {
    return this.registry.load(ctx, id, param);
  }

  register(
    ctx: RequestContext,
    command: { registrationCode: string; label?: string; location?: string; metadata: Metadata },
  ): Promise<Reader> {
    return this.registry.register(ctx, command);
  }

  retrieve(ctx: RequestContext, id: string): Promise<Reader> {
    return this.registry.retrieve(ctx, id);
  }

  update(
    ctx: RequestContext,
    id: string,
    command: { label?: string | null; metadataPatch?: (m: Metadata) => Metadata },
  ): Promise<Reader> {
    return this.registry.update(ctx, id, command);
  }

  delete(ctx: RequestContext, id: string): Promise<Record<string, unknown>> {
    return this.registry.delete(ctx, id);
  }

  // Actions (server → reader) ------------------------------------------------------------------------

  processPaymentIntent(
    ctx: RequestContext,
    readerId: string,
    paymentIntentId: string,
    processConfig: Record<string, unknown> | undefined,
  ): Promise<Reader> {
    return this.actions.processPaymentIntent(ctx, readerId, paymentIntentId, processConfig);
  }

  collectPaymentMethod(
    ctx: RequestContext,
    readerId: string,
    paymentIntentId: string,
    collectConfig: Record<string, unknown> | undefined,
  ): Promise<Reader> {
    return this.actions.collectPaymentMethod(ctx, readerId, paymentIntentId, collectConfig);
  }

  /** `pin`: collected by the device before the authorization (a Tap to Pay phone), sent with it. */
  confirmPaymentIntent(
    ctx: RequestContext,
    readerId: string,
    paymentIntentId: string,
    confirmConfig: Record<string, unknown> | undefined,
    pin: CardholderPin | null = null,
  ): Promise<Reader> {
    return this.actions.confirmPaymentIntent(ctx, readerId, paymentIntentId, confirmConfig, pin);
  }

  processSetupIntent(
    ctx: RequestContext,
    readerId: string,
    setupIntentId: string,
    allowRedisplay: string,
    processConfig: Record<string, unknown> | undefined,
  ): Promise<Reader> {
    return this.actions.processSetupIntent(ctx, readerId, setupIntentId, allowRedisplay, processConfig);
  }

  refundPayment(ctx: RequestContext, readerId: string, command: RefundPaymentCommand): Promise<Reader> {
    return this.actions.refundPayment(ctx, readerId, command);
  }

  setReaderDisplay(ctx: RequestContext, readerId: string, cart: Cart): Promise<Reader> {
    return this.actions.setReaderDisplay(ctx, readerId, cart);
  }

  collectInputs(
    ctx: RequestContext,
    readerId: string,
    inputs: Array<Record<string, unknown>>,
    metadata: Metadata | null,
  ): Promise<Reader> {
    return this.actions.collectInputs(ctx, readerId, inputs, metadata);
  }

  cancelAction(ctx: RequestContext, readerId: string): Promise<Reader> {
    return this.actions.cancelAction(ctx, readerId);
  }

  // Device → server ----------------------------------------------------------------------------------

  /**
   * A card is presented to the reader. `readFor` turns the PaymentIntent's payment method types
   * into the card read; `pin`: what the cardholder entered on the device with it, if anything.
   */
  presentPaymentMethod(
    ctx: RequestContext,
    readerId: string,
    readFor: (paymentMethodTypes: string[]) => CardRead,
    tipAmount: number,
    pin: CardholderPin | null = null,
  ): Promise<Reader> {
    return this.reports.presentPaymentMethod(ctx, readerId, readFor, tipAmount, pin);
  }

  /** The customer pressed the reader's cancel button. */
  pressCancel(ctx: RequestContext, readerId: string): Promise<Reader> {
    return this.reports.pressCancel(ctx, readerId);
  }

  submitInputs(
    ctx: RequestContext,
    readerId: string,
    submitted: Parameters<DeviceReports['submitInputs']>[2],
  ): Promise<Reader> {
    return this.reports.submitInputs(ctx, readerId, submitted);
  }

  timeoutInputCollection(ctx: RequestContext, readerId: string): Promise<Reader> {
    return this.reports.timeoutInputCollection(ctx, readerId);
  }

  succeedInputCollection(ctx: RequestContext, readerId: string, skipNonRequired: boolean): Promise<Reader> {
    return this.customer.succeedInputCollection(ctx, readerId, skipNonRequired);
  }

  // Fault injection (OpenTill test mode) -------------------------------------------------------------

  setOffline(ctx: RequestContext, readerId: string, silentForMs: number): Promise<Reader> {
    return this.faults.setOffline(ctx, readerId, silentForMs);
  }

  setOnline(ctx: RequestContext, readerId: string): Promise<Reader> {
    return this.faults.setOnline(ctx, readerId);
  }

  /** A device not on a socket (a Tap to Pay phone's SDK) was heard from (see `ReaderFaultInjection.heardFrom`). */
  heardFrom(ctx: RequestContext, reader: Reader): Promise<boolean> {
    return this.faults.heardFrom(ctx, reader);
  }

  setBusy(ctx: RequestContext, readerId: string, seconds: number): Promise<Reader> {
    return this.faults.setBusy(ctx, readerId, seconds);
  }

  setFaults(ctx: RequestContext, readerId: string, faults: Partial<ReaderFaults>): Promise<Reader> {
    return this.faults.setFaults(ctx, readerId, faults);
  }

  // Time-driven work and the authorization -----------------------------------------------------------

  onDeadline(ctx: RequestContext, record: StoredRecord): Promise<void> {
    return this.deadlines.onDeadline(ctx, record);
  }

  /** Runs the authorization the reader started (see `ReaderAuthorizations.authorize`). */
  authorize(
    ctx: RequestContext,
    readerId: string,
    claimedBy?: Reader,
    pin: CardholderPin | null = null,
  ): Promise<Reader> {
    return this.authorization.authorize(ctx, readerId, claimedBy, pin);
  }
}
