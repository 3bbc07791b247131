import { Connect, Customers, Engine, PaymentIntents, PaymentMethods, Refunds, Scheduler, WebhookEndpoints, type EngineDeps } from '@opentill/engine';
import {
  OfflinePayments, ReaderDevices, ReaderLinks, SdkSessions, SetupIntents, SimulatedReaderLink, TapToPay, TapToPayReaderLink, TerminalConfigurations, TerminalConnectionTokens, TerminalLocations, TerminalReaders,
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
  const readerLinks = new ReaderLinks([new SimulatedReaderLink(), new TapToPayReaderLink()]);
  const setupIntents = new SetupIntents(engine);
  const terminalConfigurations = new TerminalConfigurations(engine);
  const terminalReaders = new TerminalReaders(engine, readerLinks, paymentIntents, paymentMethods, refunds, setupIntents);
  const readerDevices = new ReaderDevices(engine, readerLinks, terminalConfigurations, terminalReaders);
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
    connect,
    offlinePayments: new OfflinePayments(engine, terminalConfigurations, paymentIntents, paymentMethods, tapToPay),
  };
}
