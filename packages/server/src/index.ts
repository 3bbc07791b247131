import { createApp, type App, type ServerOptions } from './app.js';
import { registerCharges } from './routes/charges.js';
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
import { registerScreenPage } from './routes/screen-page.js';

export { createServices, type Services } from './services.js';
export { createApp, type App, type Handler, type ServerOptions } from './app.js';
export { expandObject, expandList, registerExpandable } from './http/expand.js';
export { listObjects } from './http/list.js';
export { cardReadFrom } from './routes/opentill-test.js';

/** Builds the whole HTTP API (every route registered). */
export function buildServer(options: ServerOptions): App {
  const app = createApp(options);
  registerPaymentIntents(app, options.services);
  registerPaymentMethods(app, options.services);
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
  registerTapToPay(app, options.services, registerSdk(app, options.services));
  registerScreenPage(app);
  return app;
}
