/**
 * What the gateway needs from the server it runs in, as engine types: the services it calls and a
 * place to declare its one HTTP route and hear WebSocket upgrades. `@opentill/server`'s `Services`
 * and `App` satisfy these structurally; the gateway depends on the engine only (issue 16, item 5).
 */
import type { IncomingMessage, Server } from 'node:http';
import type {
  Engine,
  ReaderDevices,
  ReaderLinks,
  ReaderPresence,
  RequestContext,
  SdkSessions,
  TerminalReaders,
} from '@opentill/engine';

export interface GatewayServices {
  engine: Engine;
  readerLinks: ReaderLinks;
  readerDevices: ReaderDevices;
  terminalReaders: TerminalReaders;
  /** Throttled `last_seen_at` writes of the devices connected here (engine/terminal/presence.ts). */
  readerPresence: ReaderPresence;
  /** Woken when another node commits what an SDK long-poll (a browser POS, a Tap to Pay phone) waits on. */
  sdkSessions: Pick<SdkSessions, 'wake'>;
}

/** A route handler: the request (its path parameters and raw socket), the authenticated context, the decoded parameters. */
export type GatewayRouteHandler = (
  request: { params: unknown; raw: IncomingMessage },
  ctx: RequestContext,
  params: Record<string, unknown>,
) => Promise<unknown>;

export interface GatewayHost {
  fastify: { server: Server };
  route(method: 'POST', path: string, handler: GatewayRouteHandler): void;
}
