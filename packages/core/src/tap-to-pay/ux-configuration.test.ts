import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defaultTapToPayUxConfiguration,
  normalizeHexColor,
  validateTapToPayUxConfiguration,
} from './ux-configuration.js';

void describe('validateTapToPayUxConfiguration: valid input', () => {
  const rows: [string, unknown, unknown][] = [
    ['empty object → defaults', {}, defaultTapToPayUxConfiguration],
    ['undefined → defaults', undefined, defaultTapToPayUxConfiguration],
    [
      "the seed's Kotlin example",
      {
        tapZone: { indicator: 'front', xBias: 0.5, yBias: 0.3 },
        colors: { primary: '#FF008686' },
        darkMode: 'dark',
      },
      {
        tapZone: { indicator: 'front', xBias: 0.5, yBias: 0.3 },
        colors: { primary: '#FF008686', success: null, error: null },
        darkMode: 'dark',
      },
    ],
    [
      "the seed's React Native example (older shape)",
      {
        tapZone: { tapZoneIndicator: 'FRONT', tapZonePosition: { xBias: 0.5, yBias: 0.3 } },
        darkMode: 'DARK',
        colors: { primary: '#FF008686', error: '#FFCC0000' },
      },
      {
        tapZone: { indicator: 'front', xBias: 0.5, yBias: 0.3 },
        colors: { primary: '#FF008686', success: null, error: '#FFCC0000' },
        darkMode: 'dark',
      },
    ],
    [
      'behind at the edges',
      { tapZone: { indicator: 'behind', xBias: 0, yBias: 1 } },
      {
        ...defaultTapToPayUxConfiguration,
        tapZone: { indicator: 'behind', xBias: 0, yBias: 1 },
      },
    ],
    [
      'front without biases',
      { tapZone: { indicator: 'front' } },
      {
        ...defaultTapToPayUxConfiguration,
        tapZone: { indicator: 'front', xBias: null, yBias: null },
      },
    ],
    [
      'above with bias',
      { tapZone: { indicator: 'above', bias: 0.25 } },
      {
        ...defaultTapToPayUxConfiguration,
        tapZone: { indicator: 'above', bias: 0.25 },
      },
    ],
    [
      'left without bias',
      { tapZone: { indicator: 'left' } },
      {
        ...defaultTapToPayUxConfiguration,
        tapZone: { indicator: 'left', bias: null },
      },
    ],
    ['default indicator', { tapZone: { indicator: 'default' } }, defaultTapToPayUxConfiguration],
    [
      '6-digit colours get an opaque alpha, upper-cased',
      { colors: { success: '#00aa00', error: '#cc0000' } },
      {
        ...defaultTapToPayUxConfiguration,
        colors: { primary: null, success: '#FF00AA00', error: '#FFCC0000' },
      },
    ],
    ['system dark mode', { darkMode: 'system' }, { ...defaultTapToPayUxConfiguration, darkMode: 'system' }],
    ['light dark mode', { darkMode: 'light' }, { ...defaultTapToPayUxConfiguration, darkMode: 'light' }],
    [
      'nulls mean default',
      { tapZone: null, colors: { primary: null }, darkMode: null },
      defaultTapToPayUxConfiguration,
    ],
  ];
  for (const [name, input, expected] of rows) {
    void it(name, () => {
      const r = validateTapToPayUxConfiguration(input);
      assert.ok(r.ok, JSON.stringify(r));
      assert.deepEqual(r.value, expected);
    });
  }
});

void describe('validateTapToPayUxConfiguration: field errors', () => {
  const rows: [string, unknown, string[]][] = [
    ['not an object', 'dark', ['']],
    ['an array', [], ['']],
    ['unknown top-level field', { theme: 'x' }, ['theme']],
    ['tapZone not an object', { tapZone: 'front' }, ['tapZone']],
    ['unknown indicator', { tapZone: { indicator: 'top' } }, ['tapZone.indicator']],
    ['missing indicator', { tapZone: { xBias: 0.5, yBias: 0.5 } }, ['tapZone.indicator']],
    ['xBias above 1', { tapZone: { indicator: 'front', xBias: 1.5, yBias: 0.3 } }, ['tapZone.xBias']],
    ['yBias negative', { tapZone: { indicator: 'behind', xBias: 0.5, yBias: -0.1 } }, ['tapZone.yBias']],
    ['bias NaN', { tapZone: { indicator: 'front', xBias: Number.NaN, yBias: 0.3 } }, ['tapZone.xBias']],
    ['bias a string', { tapZone: { indicator: 'front', xBias: '0.5', yBias: 0.3 } }, ['tapZone.xBias']],
    ['only xBias', { tapZone: { indicator: 'front', xBias: 0.5 } }, ['tapZone.yBias']],
    ['bias on front', { tapZone: { indicator: 'front', bias: 0.5 } }, ['tapZone.bias']],
    ['xBias on above', { tapZone: { indicator: 'above', xBias: 0.5 } }, ['tapZone.xBias']],
    ['bias out of range on below', { tapZone: { indicator: 'below', bias: 2 } }, ['tapZone.bias']],
    ['bias on default', { tapZone: { indicator: 'default', bias: 0.5 } }, ['tapZone.bias']],
    ['unknown tapZone field', { tapZone: { indicator: 'front', zBias: 1 } }, ['tapZone.zBias']],
    [
      'older shape, bad position',
      { tapZone: { tapZoneIndicator: 'behind', tapZonePosition: { xBias: 3, yBias: 0.2 } } },
      ['tapZone.tapZonePosition.xBias'],
    ],
    ['older shape, bad indicator', { tapZone: { tapZoneIndicator: 'middle' } }, ['tapZone.tapZoneIndicator']],
    ['named colour', { colors: { primary: 'red' } }, ['colors.primary']],
    ['short hex', { colors: { success: '#0A0' } }, ['colors.success']],
    ['hex without #', { colors: { error: 'FF0000' } }, ['colors.error']],
    ['colour a number', { colors: { primary: 0xff008686 } }, ['colors.primary']],
    ['unknown colour', { colors: { background: '#000000' } }, ['colors.background']],
    ['colors not an object', { colors: '#000000' }, ['colors']],
    ['bad dark mode', { darkMode: 'auto' }, ['darkMode']],
    ['dark mode a boolean', { darkMode: true }, ['darkMode']],
    [
      'every field wrong at once',
      {
        tapZone: { indicator: 'front', xBias: 2, yBias: -1 },
        colors: { primary: 'x', success: '#12', error: '#GGGGGG' },
        darkMode: 'dim',
      },
      ['tapZone.xBias', 'tapZone.yBias', 'colors.primary', 'colors.success', 'colors.error', 'darkMode'],
    ],
  ];
  for (const [name, input, fields] of rows) {
    void it(`${name} → ${fields.join(', ') || '(root)'}`, () => {
      const r = validateTapToPayUxConfiguration(input);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.code, 'INVALID_REQUIRED_PARAMETER');
      assert.deepEqual(
        r.errors.map((e) => e.field),
        fields,
      );
      assert.match(r.message, /^Invalid Tap to Pay UX configuration: /);
    });
  }
});

void describe('normalizeHexColor', () => {
  const rows: [string, string | null][] = [
    ['#FF008686', '#FF008686'],
    ['#008686', '#FF008686'],
    ['#80aabbcc', '#80AABBCC'],
    [' #abcdef ', '#FFABCDEF'],
    ['#abc', null],
    ['abcdef', null],
    ['#abcdefg', null],
    ['', null],
  ];
  for (const [input, expected] of rows)
    void it(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(normalizeHexColor(input), expected));
});

void describe('validateTapToPayUxConfiguration: every message exactly', () => {
  const rows: [unknown, [field: string, message: string][]][] = [
    [42, [['', 'The configuration must be an object.']]],
    [{ theme: 1 }, [['theme', 'Unknown field `theme`.']]],
    [{ tapZone: [] }, [['tapZone', '`tapZone` must be an object.']]],
    [
      { tapZone: { indicator: 7 } },
      [['tapZone.indicator', '`tapZone.indicator` must be one of default, above, below, left, right, front, behind.']],
    ],
    [
      { tapZone: { tapZoneIndicator: 'up' } },
      [
        [
          'tapZone.tapZoneIndicator',
          '`tapZone.tapZoneIndicator` must be one of default, above, below, left, right, front, behind.',
        ],
      ],
    ],
    [{ tapZone: { indicator: 'front', depth: 1 } }, [['tapZone.depth', 'Unknown field `depth`.']]],
    [{ tapZone: { tapZoneIndicator: 'front', extra: 1 } }, [['tapZone.extra', 'Unknown field `extra`.']]],
    [
      { tapZone: { tapZonePosition: 'center' } },
      [['tapZone.tapZonePosition', '`tapZonePosition` must be an object with xBias and yBias.']],
    ],
    [
      { tapZone: { tapZoneIndicator: 'front', tapZonePosition: { xBias: 0.5, yBias: 0.5, zBias: 0 } } },
      [['tapZone.tapZonePosition.zBias', 'Unknown field `zBias`.']],
    ],
    [
      { tapZone: { tapZoneIndicator: 'default', tapZonePosition: { xBias: 0.5 } } },
      [['tapZone.tapZonePosition.xBias', 'The default tap zone takes no `xBias`.']],
    ],
    [{ tapZone: { indicator: 'default', yBias: 0 } }, [['tapZone.yBias', 'The default tap zone takes no `yBias`.']]],
    [
      { tapZone: { indicator: 'behind', bias: 0.5, xBias: 0.1, yBias: 0.2 } },
      [['tapZone.bias', 'The behind tap zone takes xBias and yBias, not bias.']],
    ],
    [
      { tapZone: { indicator: 'front', xBias: 1.01, yBias: 0 } },
      [['tapZone.xBias', '`tapZone.xBias` must be a number between 0 and 1.']],
    ],
    [
      { tapZone: { tapZoneIndicator: 'front', tapZonePosition: { xBias: 0.5, yBias: Infinity } } },
      [['tapZone.tapZonePosition.yBias', '`tapZone.tapZonePosition.yBias` must be a number between 0 and 1.']],
    ],
    [
      { tapZone: { indicator: 'front', yBias: 0.5 } },
      [['tapZone.xBias', 'The front tap zone takes both xBias and yBias, or neither.']],
    ],
    [
      { tapZone: { indicator: 'behind', xBias: 0.5 } },
      [['tapZone.yBias', 'The behind tap zone takes both xBias and yBias, or neither.']],
    ],
    [{ tapZone: { indicator: 'right', yBias: 0.5 } }, [['tapZone.yBias', 'The right tap zone takes bias, not yBias.']]],
    [
      { tapZone: { indicator: 'below', bias: -0.01 } },
      [['tapZone.bias', '`tapZone.bias` must be a number between 0 and 1.']],
    ],
    [{ colors: [] }, [['colors', '`colors` must be an object with primary, success and error.']]],
    [{ colors: { accent: '#000000' } }, [['colors.accent', 'Unknown colour `accent`; use primary, success or error.']]],
    [
      { colors: { success: 'green' } },
      [['colors.success', '`colors.success` must be a hex colour #RRGGBB or #AARRGGBB.']],
    ],
    [{ darkMode: 'auto' }, [['darkMode', '`darkMode` must be system, light or dark.']]],
  ];
  for (const [input, errors] of rows) {
    void it(`${JSON.stringify(input)} → ${errors.map(([field]) => field || '(root)').join(', ')}`, () => {
      const r = validateTapToPayUxConfiguration(input);
      assert.deepEqual(r, {
        ok: false,
        code: 'INVALID_REQUIRED_PARAMETER',
        errors: errors.map(([field, message]) => ({ field, message })),
        message: `Invalid Tap to Pay UX configuration: ${errors.map(([field, message]) => (field ? `${field}: ${message}` : message)).join(' ')}`,
      });
    });
  }

  void it('several errors are joined by one space in the message', () => {
    const r = validateTapToPayUxConfiguration({ darkMode: 1, theme: 2 });
    assert.equal(
      r.ok === false && r.message,
      'Invalid Tap to Pay UX configuration: theme: Unknown field `theme`. darkMode: `darkMode` must be system, light or dark.',
    );
  });

  void it('the older shape without a position, and edges of the bias range, are accepted; null biases are no biases', () => {
    const ok = (input: unknown) => {
      const r = validateTapToPayUxConfiguration(input);
      assert.ok(r.ok, JSON.stringify(r));
      return r.value;
    };
    assert.deepEqual(ok({ tapZone: { tapZoneIndicator: 'Behind' } }).tapZone, {
      indicator: 'behind',
      xBias: null,
      yBias: null,
    });
    assert.deepEqual(ok({ tapZone: { tapZoneIndicator: 'front', tapZonePosition: null } }).tapZone, {
      indicator: 'front',
      xBias: null,
      yBias: null,
    });
    assert.deepEqual(ok({ tapZone: { indicator: 'RIGHT', bias: 1, xBias: null } }).tapZone, {
      indicator: 'right',
      bias: 1,
    });
    assert.deepEqual(ok({ tapZone: { indicator: 'below', bias: 0 } }).tapZone, { indicator: 'below', bias: 0 });
    assert.deepEqual(ok({ tapZone: { indicator: 'default', bias: null } }).tapZone, { indicator: 'default' });
    assert.deepEqual(ok({ tapZone: { indicator: 'front', bias: null, xBias: 0, yBias: 0 } }).tapZone, {
      indicator: 'front',
      xBias: 0,
      yBias: 0,
    });
    assert.deepEqual(ok(null), defaultTapToPayUxConfiguration);
    assert.deepEqual(ok({ colors: null }), defaultTapToPayUxConfiguration);
    assert.equal(Object.isFrozen(defaultTapToPayUxConfiguration), true);
    assert.equal(Object.isFrozen(defaultTapToPayUxConfiguration.tapZone), true);
    assert.equal(Object.isFrozen(defaultTapToPayUxConfiguration.colors), true);
    // The result is a fresh object each time, never the frozen default.
    const value = ok({});
    value.colors.primary = '#FF000000';
    assert.equal(ok({}).colors.primary, null);
  });
});
