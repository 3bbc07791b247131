import { Connect, Customers, Engine, PaymentIntents, PaymentMethods, Refunds, Scheduler, WebhookEndpoints, type EngineDeps } from '@opentill/engine';
import {
  OfflinePayments, ReaderDevices, ReaderLinks, SdkDeviceReaderLink, SdkDevices, SdkSessions, SetupIntents, SimulatedReaderLink, TapToPay, TapToPayReaderLink, TerminalConfigurations, TerminalConnectionTokens, TerminalLocations, TerminalReaders,
} from '@opentill/engine';

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
  terminalLocations: TerminalLocations;
  terminalReaders: TerminalReaders;
  terminalConfigurations: TerminalConfigurations;
  setupIntents: SetupIntents;
  terminalConnectionTokens: TerminalConnectionTokens;
  webhookEndpoints: WebhookEndpoints;
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
  let readerDevices: ReaderDevices | null = null;
  const readerLinks = new ReaderLinks([
    new SimulatedReaderLink((readerId) => readerDevices?.pinFor(readerId) ?? null),
    new TapToPayReaderLink(),
    new SdkDeviceReaderLink((readerId) => readerDevices?.pinFor(readerId) ?? null),
  ]);
  const setupIntents = new SetupIntents(engine);
  const terminalConfigurations = new TerminalConfigurations(engine);
  const terminalReaders = new TerminalReaders(engine, readerLinks, paymentIntents, paymentMethods, refunds, setupIntents);
  readerDevices = new ReaderDevices(engine, readerLinks, terminalConfigurations);
  readerDevices.attach(terminalReaders);
  const sdkSessions = new SdkSessions(engine, new TerminalConnectionTokens(engine), terminalReaders, paymentIntents, setupIntents,
    new TerminalLocations(engine));
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
    terminalLocations: new TerminalLocations(engine),
    terminalReaders,
    terminalConfigurations,
    setupIntents,
    terminalConnectionTokens: new TerminalConnectionTokens(engine),
    webhookEndpoints: new WebhookEndpoints(engine),
    sdkSessions,
    tapToPay,
    sdkDevices: new SdkDevices(engine, terminalReaders, readerDevices),
    connect,
    offlinePayments: new OfflinePayments(engine, terminalConfigurations, paymentIntents, paymentMethods, tapToPay),
  };
}
