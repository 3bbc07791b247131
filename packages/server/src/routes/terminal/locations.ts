/** `/v1/terminal/locations` */
import { mergeMetadata, metadata, listParams, object, parseParams, str } from '@opentill/protocol';
import type { App } from '../../app.js';
import { expandObject } from '../../http/expand.js';
import { listObjects } from '../../http/list.js';
import type { Services } from '../../services.js';

const text = (maxLength = 5000) => str({ maxLength });
const countryCode = str({
  maxLength: 2,
  minLength: 2,
  pattern: /^[A-Za-z]{2}$/,
  patternMessage: 'Invalid country: must be a two-letter ISO country code',
});

const addressFields = {
  city: text().orEmpty(),
  country: countryCode,
  line1: text().orEmpty(),
  line2: text().orEmpty(),
  postal_code: text().orEmpty(),
  state: text().orEmpty(),
};
const japanAddress = object({ ...addressFields, town: text().orEmpty() });

const locationFields = {
  address_kana: japanAddress,
  address_kanji: japanAddress,
  configuration_overrides: str({ maxLength: 255 }).orEmpty(),
  display_name: text(1000).orEmpty(),
  display_name_kana: text(1000).orEmpty(),
  display_name_kanji: text(1000).orEmpty(),
  metadata: metadata(),
  phone: text(100).orEmpty(),
};

export function registerTerminalLocations(app: App, services: Services): void {
  const { engine, terminalLocations: locations } = services;

  app.route(
    'POST',
    '/v1/terminal/locations',
    async (_request, ctx, raw) => {
      const p = parseParams(
        { ...locationFields, address: object({ ...addressFields, country: countryCode.req() }) },
        raw,
      );
      const location = await locations.create(ctx, {
        ...(p.address !== undefined ? { address: { ...p.address, country: p.address.country.toUpperCase() } } : {}),
        ...(p.display_name !== undefined ? { display_name: p.display_name } : {}),
        ...(p.configuration_overrides !== undefined ? { configuration_overrides: p.configuration_overrides } : {}),
        ...(p.phone !== undefined ? { phone: p.phone } : {}),
        metadata: mergeMetadata({}, p.metadata),
      });
      return expandObject(engine, ctx, location, p.expand ?? []);
    },
    { resultType: 'terminal.location' },
  );

  app.route('GET', '/v1/terminal/locations/:id', async (request, ctx, raw) => {
    const p = parseParams({}, raw);
    const location = await locations.retrieve(ctx, (request.params as { id: string }).id);
    return expandObject(engine, ctx, location, p.expand ?? []);
  });

  app.route('POST', '/v1/terminal/locations/:id', async (request, ctx, raw) => {
    const p = parseParams({ ...locationFields, address: object(addressFields) }, raw);
    const location = await locations.update(ctx, (request.params as { id: string }).id, {
      ...(p.address !== undefined
        ? {
            address: {
              ...p.address,
              ...(p.address.country !== undefined ? { country: p.address.country.toUpperCase() } : {}),
            },
          }
        : {}),
      ...(p.display_name !== undefined ? { display_name: p.display_name } : {}),
      ...(p.configuration_overrides !== undefined ? { configuration_overrides: p.configuration_overrides } : {}),
      ...(p.phone !== undefined ? { phone: p.phone } : {}),
      ...(p.metadata !== undefined ? { metadataPatch: (m) => mergeMetadata(m, p.metadata) } : {}),
    });
    return expandObject(engine, ctx, location, p.expand ?? []);
  });

  app.route('GET', '/v1/terminal/locations', async (_request, ctx, raw) => {
    const p = parseParams(listParams, raw);
    return listObjects(engine, ctx, '/v1/terminal/locations', 'terminal.location', p, [
      { field: 'deleted', op: 'eq', value: null },
    ]);
  });

  app.route('DELETE', '/v1/terminal/locations/:id', async (request, ctx, raw) => {
    parseParams({}, raw);
    return locations.delete(ctx, (request.params as { id: string }).id);
  });
}
