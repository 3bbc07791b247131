import { registerMobileSdk } from './routes/sdk/mobile.js';
import { createApp, type App, type ServerOptions } from './app.js';
import { registerCharges } from './routes/charges.js';
import { registerCustomers } from './routes/customers.js';
import { registerEvents } from './routes/events.js';
import { registerOpenTillTest } from './routes/opentill-test.js';
import { registerPaymentIntents } from './routes/payment-intents.js';
import { registerPaymentMethods } from './routes/payment-methods.js';
import { registerRefunds } from './routes/refunds.js';
import { registerWebhookEndpoints } from './routes/webhook-endpoints.js';
import { registerTerminalLocations } from './routes/terminal/locations.js';
import { registerTerminalReaders } from './routes/terminal/readers.js';
import { registerTerminalReaderActions } from './routes/terminal/reader-actions.js';
import { registerTerminalTestHelpers } from './routes/terminal/test-helpers.js';
import { registerTerminalConfigurations } from './routes/terminal/configurations.js';
import { registerTerminalConnectionTokens } from './routes/terminal/connection-tokens.js';
import { registerSetupIntents } from './routes/setup-intents.js';
import { registerSdk } from './routes/sdk/sessions.js';
import { registerTapToPay } from './routes/sdk/tap-to-pay.js';
import { registerOfflinePayments } from './routes/sdk/offline-payments.js';
import { registerSdkDevices } from './routes/sdk/devices.js';
import { registerScreenPage } from './routes/screen-page.js';
import { registerAccounts } from './routes/accounts.js';
import { registerTransfers } from './routes/transfers.js';
import { registerApplicationFees } from './routes/application-fees.js';
import { sseHub } from './operations/sse.js';
import { registerRequestLog } from './operations/request-log-routes.js';
import { changeFeed, registerDashboard } from './operations/dashboard-routes.js';
import { registerOperations } from './operations/metrics.js';

export { createServices, type Services } from './services.js';
export { createApp, type App, type Handler, type ServerOptions } from './app.js';
export { expandObject, expandList, expandablePathsOf } from './http/expand.js';
export { listObjects } from './http/list.js';
export { cardReadFrom } from './routes/opentill-test.js';
export {
  RequestLogRecorder,
  defaultRequestLogSettings,
  parseRetention,
  type RequestLogSettings,
} from './operations/request-log.js';
export { redactBody, redactText } from './operations/redact.js';
export type { AnswerCheck, DashboardOptions } from './app.js';

/** Builds the whole HTTP API (every route registered). */
export function buildServer(options: ServerOptions): App {
  const app = createApp(options);
  registerPaymentIntents(app, options.services);
  registerPaymentMethods(app, options.services);
  registerCustomers(app, options.services);
  registerCharges(app, options.services);
  registerRefunds(app, options.services);
  registerEvents(app, options.services);
  registerOpenTillTest(app, options.services);
  registerWebhookEndpoints(app, options.services);
  registerTerminalLocations(app, options.services);
  registerTerminalReaders(app, options.services);
  registerTerminalReaderActions(app, options.services);
  registerTerminalTestHelpers(app, options.services);
  registerTerminalConfigurations(app, options.services);
  registerTerminalConnectionTokens(app, options.services);
  registerSetupIntents(app, options.services);
  const sdkRoute = registerSdk(app, options.services);
  registerTapToPay(app, options.services, sdkRoute);
  registerOfflinePayments(app, options.services, sdkRoute);
  registerMobileSdk(options.services, sdkRoute);
  registerSdkDevices(app, options.services, sdkRoute);
  registerScreenPage(app);
  // Connect (docs/connect.md).
  registerAccounts(app, options.services);
  registerTransfers(app, options.services);
  registerApplicationFees(app, options.services);
  // Operations (issue 12): request log, dashboard, health and metrics.
  const sse = sseHub(app);
  if (options.requestLog) registerRequestLog(app, options.engine, options.requestLog, sse);
  const feed = changeFeed(options.engine, options.requestLog);
  app.changes = feed;
  registerDashboard(
    app,
    app.authenticator.dashboard,
    options.dashboard ?? { dir: null, knownKeys: () => undefined },
    feed,
    sse,
  );
  registerOperations(app, options.services, options.requestLog);
  return app;
}
