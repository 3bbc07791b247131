/** Terminal Locations: exact objects, partial address updates, and the country that cannot change. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../errors.js';
import { buildAddress, createLocation, updateLocation } from './location.js';

const nowMs = 1_700_000_000_999;
const address = { city: 'Paris', country: 'FR', line1: '1 rue A', line2: 'b', postal_code: '75001', state: 'IDF' };
const empty = { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };

function refused(code: string, message: string, param: string) {
  return (error: unknown) =>
    error instanceof ApiError && error.code === code && error.message === message && error.body.param === param;
}

describe('buildAddress', () => {
  it('takes each given field, keeps the current one for each absent field, and null clears', () => {
    assert.deepEqual(buildAddress(undefined), empty);
    assert.deepEqual(buildAddress(address), address);
    for (const field of Object.keys(address) as Array<keyof typeof address>) {
      assert.deepEqual(buildAddress({ [field]: 'X' }, address), { ...address, [field]: 'X' });
      assert.deepEqual(buildAddress({ [field]: null }, address), { ...address, [field]: null });
    }
    assert.deepEqual(buildAddress({}, address), address);
  });
});

describe('createLocation', () => {
  it("is Stripe's object; overrides and phone appear only when given", () => {
    assert.deepEqual(
      createLocation(
        'tml_1',
        { address, display_name: 'Shop', metadata: { a: 'b' }, configuration_overrides: 'tmc_1', phone: '+33 1' },
        nowMs,
      ),
      {
        id: 'tml_1',
        object: 'terminal.location',
        address,
        created: 1_700_000_000,
        display_name: 'Shop',
        livemode: false,
        metadata: { a: 'b' },
        configuration_overrides: 'tmc_1',
        phone: '+33 1',
      },
    );
    assert.deepEqual(createLocation('tml_2', {}, nowMs), {
      id: 'tml_2',
      object: 'terminal.location',
      address: empty,
      created: 1_700_000_000,
      display_name: '',
      livemode: false,
      metadata: {},
    });
    const bare = createLocation('tml_3', { configuration_overrides: '', phone: '' }, nowMs);
    assert.equal('configuration_overrides' in bare, false);
    assert.equal('phone' in bare, false);
  });
  it('an address needs its country', () => {
    assert.throws(
      () => createLocation('tml_1', { address: { city: 'Paris' } }, nowMs),
      refused('parameter_missing', 'Missing required param: address[country].', 'address[country]'),
    );
    assert.throws(
      () => createLocation('tml_1', { address: { ...address, country: '' } }, nowMs),
      refused('parameter_missing', 'Missing required param: address[country].', 'address[country]'),
    );
  });
});

describe('updateLocation', () => {
  const location = createLocation(
    'tml_1',
    { address, display_name: 'Shop', configuration_overrides: 'tmc_1', phone: '+33 1', metadata: { a: 'b' } },
    nowMs,
  );

  it('changes what is given, keeps the rest; null removes overrides and phone, and blanks the display name', () => {
    assert.deepEqual(updateLocation(location, {}), location);
    assert.deepEqual(
      updateLocation(location, {
        address: { city: 'Lyon' },
        display_name: 'New',
        metadata: { c: 'd' },
        configuration_overrides: 'tmc_2',
        phone: '+33 2',
      }),
      {
        ...location,
        address: { ...address, city: 'Lyon' },
        display_name: 'New',
        metadata: { c: 'd' },
        configuration_overrides: 'tmc_2',
        phone: '+33 2',
      },
    );
    const cleared = updateLocation(location, { configuration_overrides: null, phone: null, display_name: null });
    assert.equal('configuration_overrides' in cleared, false);
    assert.equal('phone' in cleared, false);
    assert.equal(cleared.display_name, '');
    assert.equal(location.phone, '+33 1', 'the stored object is not changed');
  });

  it('refuses another country; the same country, or a first one, is fine', () => {
    assert.throws(
      () => updateLocation(location, { address: { country: 'DE' } }),
      refused(
        'invalid_request_body',
        "You cannot change the country of a Location's address. Create a new Location instead.",
        'address[country]',
      ),
    );
    assert.equal(updateLocation(location, { address: { country: 'FR', city: 'Nice' } }).address.city, 'Nice');
    const noCountry = createLocation('tml_2', {}, nowMs);
    assert.equal(updateLocation(noCountry, { address: { country: 'DE' } }).address.country, 'DE');
  });
});
