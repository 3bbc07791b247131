/**
 * The composition root: the engine and every resource service, each built once, in the order their
 * dependencies need. `opentill serve`, the simulation world and the gateway take these `Services`
 * (the server adapts them to HTTP; it builds none of them).
 */
import { Engine, type EngineDeps } from './engine.js';
import { Connect } from './connect.js';
import { Customers } from './customers.js';
import { PaymentIntents } from './payment-intents.js';
import { PaymentMethods } from './payment-methods.js';
import { Refunds } from './refunds.js';
import { Scheduler } from './scheduler.js';
import { SetupIntents } from './setup-intents.js';
import { WebhookEndpoints } from './webhooks/endpoints.js';
import { EventsFeed } from './webhooks/events-feed.js';
import { OfflinePayments } from './sdk/offline-payments.js';
import { SdkDeviceReaderLink, SdkDevices } from './sdk/sdk-devices.js';
import { SdkSessions } from './sdk/sessions.js';
import { TapToPay } from './sdk/tap-to-pay.js';
import { TerminalConfigurations } from './terminal/configurations.js';
import { TerminalConnectionTokens } from './terminal/connection-tokens.js';
import { TerminalLocations } from './terminal/locations.js';
import { ReaderDevices } from './terminal/reader-devices.js';
import { ReaderLinks, SimulatedReaderLink, TapToPayReaderLink } from './terminal/reader-link.js';
import { ReaderPresence } from './terminal/presence.js';
import { TerminalReaders } from './terminal/readers/index.js';

/** The engine and its resource services, built once per server. */
export interface Services {
  engine: Engine;
  paymentIntents: PaymentIntents;
  paymentMethods: PaymentMethods;
  customers: Customers;
  refunds: Refunds;
  scheduler: Scheduler;
  readerLinks: ReaderLinks;
  /** The one reader device implementation as the server hosts it (simulated readers in-process). */
  readerDevices: ReaderDevices;
  /** Throttled `last_seen_at` writes of the devices connected to this node (the reader gateway's). */
  readerPresence: ReaderPresence;
  terminalLocations: TerminalLocations;
  terminalReaders: TerminalReaders;
  terminalConfigurations: TerminalConfigurations;
  setupIntents: SetupIntents;
  terminalConnectionTokens: TerminalConnectionTokens;
  webhookEndpoints: WebhookEndpoints;
  /** The live event feed (`/opentill/v1/events/stream`): cursor, catch-up and open-feed limits. */
  eventsFeed: EventsFeed;
  sdkSessions: SdkSessions;
  tapToPay: TapToPay;
  /** Bluetooth and USB readers whose device runs beside a mobile SDK (docs/tap-to-pay-sdk.md). */
  sdkDevices: SdkDevices;
  /** Connected accounts, transfers, application fees (docs/connect.md). */
  connect: Connect;
  offlinePayments: OfflinePayments;
}

export function createServices(deps: EngineDeps): Services {
  const engine = new Engine(deps);
  // Before any other service: it amends every commit (settles Connect charges when captured).
  const connect = new Connect(engine);
  const paymentIntents = new PaymentIntents(engine);
  const refunds = new Refunds(engine);
  const paymentMethods = new PaymentMethods(engine);
  const scheduler = new Scheduler(engine, paymentIntents, refunds);
  const readerLinks = new ReaderLinks([new SimulatedReaderLink(), new TapToPayReaderLink(), new SdkDeviceReaderLink()]);
  const setupIntents = new SetupIntents(engine);
  const terminalConfigurations = new TerminalConfigurations(engine);
  const terminalReaders = new TerminalReaders(
    engine,
    readerLinks,
    paymentIntents,
    paymentMethods,
    refunds,
    setupIntents,
  );
  const readerDevices = new ReaderDevices(engine, readerLinks, terminalConfigurations, terminalReaders);
  const terminalLocations = new TerminalLocations(engine);
  const terminalConnectionTokens = new TerminalConnectionTokens(engine);
  const sdkSessions = new SdkSessions(
    engine,
    terminalConnectionTokens,
    terminalReaders,
    paymentIntents,
    setupIntents,
    terminalLocations,
  );
  const tapToPay = new TapToPay(engine, sdkSessions, terminalReaders, paymentIntents);
  scheduler.register('terminal.reader', (ctx, record) => terminalReaders.onDeadline(ctx, record));
  return {
    engine,
    paymentIntents,
    paymentMethods,
    customers: new Customers(engine),
    refunds,
    scheduler,
    readerLinks,
    readerDevices,
    readerPresence: new ReaderPresence(engine),
    terminalLocations,
    terminalReaders,
    terminalConfigurations,
    setupIntents,
    terminalConnectionTokens,
    webhookEndpoints: new WebhookEndpoints(engine),
    eventsFeed: new EventsFeed(engine),
    sdkSessions,
    tapToPay,
    sdkDevices: new SdkDevices(engine, terminalReaders, readerDevices),
    connect,
    offlinePayments: new OfflinePayments(engine, terminalConfigurations, paymentIntents, paymentMethods, tapToPay),
  };
}
