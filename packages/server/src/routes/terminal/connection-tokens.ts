/** `POST /v1/terminal/connection_tokens` */
import { id, parseParams } from '@opentill/protocol';
import type { App } from '../../app.js';
import type { Services } from '../../services.js';

export function registerTerminalConnectionTokens(app: App, services: Services): void {
  app.route('POST', '/v1/terminal/connection_tokens', async (_request, ctx, raw) => {
    const p = parseParams({ location: id() }, raw);
    return services.terminalConnectionTokens.create(ctx, p.location);
  });
}
