import type { GatewayHost, GatewayServices } from './host.js';
import { ReaderGateway, type GatewayOptions } from './gateway.js';
import { ScreenHub } from './screen.js';
import type { PublicUrlOptions } from './public-url.js';

export * from './gateway.js';
/** The reader port's second adapter (`_internal.link: 'gateway'`) is the gateway itself. */
export { ReaderGateway as GatewayReaderLink } from './gateway.js';
export * from './screen.js';
export * from './public-url.js';
export * from './host.js';
export * from './reader-bus.js';
export { registrationCode } from './words.js';

/**
 * Adds the reader gateway and the screen hub to a built server: registers the gateway as a reader
 * adapter, the screen_sessions route, and the WebSocket endpoints on the HTTP server's upgrade event.
 * Call before `listen` (routes cannot be added after Fastify is ready).
 */
export function attachGateway(
  app: GatewayHost,
  services: GatewayServices,
  options: GatewayOptions & PublicUrlOptions = {},
): { gateway: ReaderGateway; screens: ScreenHub; close(): void } {
  const gateway = new ReaderGateway(services, options);
  const screens = new ScreenHub(services, gateway, { publicUrl: options.publicUrl, trustProxy: options.trustProxy });
  screens.register(app);
  gateway.attach(app.fastify.server);
  return {
    gateway,
    screens,
    close: () => {
      screens.close();
      gateway.close();
    },
  };
}
