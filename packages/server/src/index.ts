import { createApp, type App, type ServerOptions } from './app.js';
import { registerCharges } from './routes/charges.js';
import { registerEvents } from './routes/events.js';
import { registerOpenTillTest } from './routes/opentill-test.js';
import { registerPaymentIntents } from './routes/payment-intents.js';
import { registerPaymentMethods } from './routes/payment-methods.js';
import { registerRefunds } from './routes/refunds.js';

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
  return app;
}
