/** Terminal Configurations: groups set, replaced or removed, and the two checks Stripe makes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../errors.js';
import { createConfiguration, updateConfiguration } from './configuration.js';

const nowMs = 1_700_000_000_999;

function refused(message: string, param: string) {
  return (error: unknown) =>
    error instanceof ApiError &&
    error.code === 'invalid_request_body' &&
    error.message === message &&
    error.body.param === param;
}

describe('createConfiguration / updateConfiguration', () => {
  it("creates Stripe's object with the given groups and name", () => {
    assert.deepEqual(
      createConfiguration('tmc_1', { name: 'Store', tipping: { usd: { percentages: [5] } } }, true, nowMs),
      {
        id: 'tmc_1',
        object: 'terminal.configuration',
        created: 1_700_000_000,
        is_account_default: true,
        livemode: false,
        name: 'Store',
        tipping: { usd: { percentages: [5] } },
      },
    );
    assert.deepEqual(createConfiguration('tmc_2', {}, false, nowMs), {
      id: 'tmc_2',
      object: 'terminal.configuration',
      created: 1_700_000_000,
      is_account_default: false,
      livemode: false,
      name: null,
    });
  });

  it('replaces a group, removes one set to null, keeps undefined ones; a null name is null', () => {
    const configuration = createConfiguration(
      'tmc_1',
      { name: 'Store', wifi: { type: 'personal_psk' }, offline: { enabled: true } },
      false,
      nowMs,
    );
    const updated = updateConfiguration(configuration, {
      wifi: null,
      offline: { enabled: false },
      cellular: undefined,
      name: null,
    });
    assert.deepEqual(updated, {
      id: 'tmc_1',
      object: 'terminal.configuration',
      created: 1_700_000_000,
      is_account_default: false,
      livemode: false,
      name: null,
      offline: { enabled: false },
    });
    assert.equal('cellular' in updated, false);
    assert.deepEqual(configuration['wifi'], { type: 'personal_psk' }, 'the stored object is not changed');
    assert.equal(updateConfiguration(configuration, {}).name, 'Store');
  });

  it('a reboot window must end at another hour than it starts', () => {
    assert.throws(
      () => createConfiguration('tmc_1', { reboot_window: { start_hour: 3, end_hour: 3 } }, false, nowMs),
      refused('The reboot window start_hour and end_hour must be different.', 'reboot_window[end_hour]'),
    );
    assert.deepEqual(
      createConfiguration('tmc_1', { reboot_window: { start_hour: 3, end_hour: 4 } }, false, nowMs)['reboot_window'],
      { start_hour: 3, end_hour: 4 },
    );
  });

  it('every currency in tipping uses the same keys (in any order)', () => {
    assert.throws(
      () =>
        createConfiguration(
          'tmc_1',
          {
            tipping: {
              usd: { percentages: [5], smart_tip_threshold: 1 },
              eur: { percentages: [5] },
              gbp: { fixed_amounts: [1] },
            },
          },
          false,
          nowMs,
        ),
      refused(
        'Each currency in tipping must use the same configuration keys (fixed_amounts, percentages, smart_tip_threshold).',
        'tipping[eur]',
      ),
    );
    const tipping = {
      usd: { percentages: [5], smart_tip_threshold: 1 },
      eur: { smart_tip_threshold: 2, percentages: [10] },
    };
    assert.deepEqual(
      updateConfiguration(createConfiguration('tmc_1', {}, false, nowMs), { tipping })['tipping'],
      tipping,
    );
    assert.deepEqual(createConfiguration('tmc_1', { tipping: {} }, false, nowMs)['tipping'], {});
  });
});
