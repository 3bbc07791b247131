import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkDevice,
  classifyIphoneModel,
  gmsAttestationMessage,
  isArmProcessor,
  lookupIosRelease,
  validateDeviceFacts,
  type DeviceFacts,
} from './device.js';
import { tapToPayErrorCodes } from './codes.js';

const NOW = Date.UTC(2026, 5, 1); // 2026-06-01

const iphone = (over: Partial<DeviceFacts> = {}): DeviceFacts => ({
  platform: 'ios',
  osVersion: '26.1',
  isBeta: false,
  model: 'iPhone15,2',
  hasNfc: true,
  cpuArch: 'arm64',
  rooted: false,
  bootloaderUnlocked: false,
  modifiedOs: false,
  isEmulator: false,
  internet: true,
  iosEntitlement: true,
  passcodeSet: true,
  sdkVersion: '5.0.0',
  ...over,
});

/** A Pixel 8's facts, changed by `over`, without the `omitted` keys (a device that does not report them). */
const android = (over: Partial<DeviceFacts> = {}, ...omitted: (keyof DeviceFacts)[]): DeviceFacts => {
  const facts: DeviceFacts = {
    platform: 'android',
    osVersion: '14',
    isBeta: false,
    model: 'Pixel 8',
    hasNfc: true,
    nfcEnabled: true,
    cpuArch: 'arm64-v8a',
    rooted: false,
    bootloaderUnlocked: false,
    modifiedOs: false,
    isEmulator: false,
    gmsCertified: true,
    hardwareKeystoreVersion: 300,
    internet: true,
    sdkVersion: '5.0.0',
    ...over,
  };
  for (const key of omitted) delete facts[key];
  return facts;
};

type Row = [name: string, facts: DeviceFacts, code: string | null, reason?: string];

function check(facts: unknown, opts: Partial<Parameters<typeof checkDevice>[1]> = {}) {
  return checkDevice(facts as DeviceFacts, { nowMs: NOW, ...opts });
}

function runTable(rows: Row[], opts: Partial<Parameters<typeof checkDevice>[1]> = {}) {
  for (const [name, facts, code, reason] of rows) {
    void it(`${name} → ${code ?? 'ok'}${reason ? ` (${reason})` : ''}`, () => {
      const r = check(facts, opts);
      if (code === null) {
        assert.deepEqual(r, { ok: true });
        return;
      }
      assert.equal(r.ok, false, 'expected a refusal');
      if (r.ok) return;
      assert.equal(r.code, code);
      if (reason) assert.equal(r.reason, reason);
      assert.ok(r.message.length > 10);
      assert.ok(r.code in tapToPayErrorCodes, `${r.code} is documented`);
    });
  }
}

void describe('checkDevice: iPhone matrix', () => {
  runTable([
    ['iPhone 14 Pro on iOS 26.1', iphone(), null],
    ['marketing name iPhone XS', iphone({ model: 'iPhone XS' }), null],
    ['iPhone XR', iphone({ model: 'iPhone XR' }), null],
    ['iPhone11,2 (XS identifier)', iphone({ model: 'iPhone11,2' }), null],
    ['iPhone X', iphone({ model: 'iPhone X' }), 'TAP_TO_PAY_UNSUPPORTED_DEVICE', 'iphone_too_old'],
    ['iPhone10,6 (X identifier)', iphone({ model: 'iPhone10,6' }), 'TAP_TO_PAY_UNSUPPORTED_DEVICE', 'iphone_too_old'],
    ['iPhone 8', iphone({ model: 'iPhone 8' }), 'TAP_TO_PAY_UNSUPPORTED_DEVICE', 'iphone_too_old'],
    ['iPad', iphone({ model: 'iPad13,1' }), 'TAP_TO_PAY_UNSUPPORTED_DEVICE', 'not_an_iphone'],
    ['unknown iPhone name', iphone({ model: 'iPhone Fold' }), 'TAP_TO_PAY_UNSUPPORTED_DEVICE', 'unknown_iphone_model'],
    [
      'emulator (iOS Simulator)',
      iphone({ isEmulator: true, cpuArch: 'x86_64' }),
      'TAP_TO_PAY_UNSUPPORTED_DEVICE',
      'emulator',
    ],
    ['iOS beta', iphone({ isBeta: true }), 'TAP_TO_PAY_UNSUPPORTED_OS_VERSION', 'os_beta'],
    [
      'iOS 18.5 released 2025-05-12, > 1 year',
      iphone({ osVersion: '18.5' }),
      'TAP_TO_PAY_UNSUPPORTED_OS_VERSION',
      'os_too_old',
    ],
    ['iOS 17.7', iphone({ osVersion: '17.7' }), 'TAP_TO_PAY_UNSUPPORTED_OS_VERSION', 'os_too_old'],
    [
      'iOS 11.4, older than the table',
      iphone({ osVersion: '11.4' }),
      'TAP_TO_PAY_UNSUPPORTED_OS_VERSION',
      'os_too_old',
    ],
    ['iOS 18.6 released 2025-07-29', iphone({ osVersion: '18.6' }), null],
    ['iOS 18.6.2 counts as 18.6', iphone({ osVersion: '18.6.2' }), null],
    ['iOS 26 (26.0)', iphone({ osVersion: '26' }), null],
    ['iOS 26.5, newer than the table', iphone({ osVersion: '26.5' }), null],
    ['iOS 27.0, newer than the table', iphone({ osVersion: '27.0' }), null],
    ['jailbroken', iphone({ rooted: true }), 'TAP_TO_PAY_DEVICE_TAMPERED', 'rooted'],
    ['modified OS', iphone({ modifiedOs: true }), 'TAP_TO_PAY_DEVICE_TAMPERED', 'modified_os'],
    ['no entitlement', iphone({ iosEntitlement: false }), 'TAP_TO_PAY_MISSING_ENTITLEMENT', 'missing_entitlement'],
    ['entitlement null', iphone({ iosEntitlement: null }), 'TAP_TO_PAY_MISSING_ENTITLEMENT', 'missing_entitlement'],
    ['no passcode', iphone({ passcodeSet: false }), 'TAP_TO_PAY_PASSCODE_NOT_ENABLED', 'passcode_not_set'],
    ['NFC off', iphone({ nfcEnabled: false }), 'TAP_TO_PAY_NFC_DISABLED', 'nfc_disabled'],
    ['no internet', iphone({ internet: false }), 'STRIPE_API_CONNECTION_ERROR', 'no_internet'],
    ['developer options do not block iPhone connect', iphone({ developerOptions: true }), null],
  ]);

  void it('iOS "within the last year" ends on the anniversary of the release date (UTC)', () => {
    const facts = iphone({ osVersion: '18.6' }); // released 2025-07-29
    assert.deepEqual(check(facts, { nowMs: Date.UTC(2026, 6, 28, 23, 59, 59) }), { ok: true });
    const r = check(facts, { nowMs: Date.UTC(2026, 6, 29) });
    assert.equal(r.ok === false && r.reason, 'os_too_old');
  });

  void it('takes a caller-provided iOS release table', () => {
    const releases = [
      { version: '26.0', released: '2025-09-15' },
      { version: '27.0', released: '2026-09-14' },
    ];
    const late = Date.UTC(2026, 10, 1);
    // 26.4 is not listed: it counts as 26.0 (2025-09-15), so it ages out on 2026-09-15.
    const r = check(iphone({ osVersion: '26.4' }), { nowMs: Date.UTC(2026, 8, 14), iosReleases: releases });
    assert.deepEqual(r, { ok: true });
    const r2 = check(iphone({ osVersion: '26.4' }), { nowMs: Date.UTC(2026, 8, 16), iosReleases: releases });
    assert.equal(r2.ok === false && r2.reason, 'os_too_old');
    assert.deepEqual(check(iphone({ osVersion: '27.0.1' }), { nowMs: late, iosReleases: releases }), { ok: true });
  });
});

void describe('checkDevice: Android matrix', () => {
  runTable([
    ['Pixel 8 on Android 14', android(), null],
    ['Android 13', android({ osVersion: '13' }), null],
    ['Android 13.0', android({ osVersion: '13.0' }), null],
    ['Android 16', android({ osVersion: '16' }), null],
    ['32-bit ARM', android({ cpuArch: 'armeabi-v7a' }), null],
    ['nfcEnabled omitted defaults to on', android({}, 'nfcEnabled'), null],
    ['Android 12', android({ osVersion: '12' }), 'TAP_TO_PAY_UNSUPPORTED_ANDROID_VERSION', 'os_too_old'],
    ['Android 11', android({ osVersion: '11' }), 'TAP_TO_PAY_UNSUPPORTED_ANDROID_VERSION', 'os_too_old'],
    ['Android beta', android({ isBeta: true, osVersion: '17' }), 'TAP_TO_PAY_UNSUPPORTED_ANDROID_VERSION', 'os_beta'],
    ['x86_64', android({ cpuArch: 'x86_64' }), 'TAP_TO_PAY_UNSUPPORTED_PROCESSOR', 'non_arm_cpu'],
    ['x86', android({ cpuArch: 'x86' }), 'TAP_TO_PAY_UNSUPPORTED_PROCESSOR', 'non_arm_cpu'],
    ['no NFC', android({ hasNfc: false }, 'nfcEnabled'), 'TAP_TO_PAY_UNSUPPORTED_DEVICE', 'no_nfc'],
    ['NFC off', android({ nfcEnabled: false }), 'TAP_TO_PAY_NFC_DISABLED', 'nfc_disabled'],
    ['rooted', android({ rooted: true }), 'TAP_TO_PAY_DEVICE_TAMPERED', 'rooted'],
    ['bootloader unlocked', android({ bootloaderUnlocked: true }), 'TAP_TO_PAY_DEVICE_TAMPERED', 'bootloader_unlocked'],
    ['custom ROM', android({ modifiedOs: true }), 'TAP_TO_PAY_DEVICE_TAMPERED', 'modified_os'],
    ['not GMS certified', android({ gmsCertified: false }), 'ATTESTATION_FAILURE', 'not_gms_certified'],
    ['GMS unknown (null)', android({ gmsCertified: null }), 'ATTESTATION_FAILURE', 'not_gms_certified'],
    [
      'keystore 99',
      android({ hardwareKeystoreVersion: 99 }),
      'TAP_TO_PAY_UNSUPPORTED_DEVICE',
      'hardware_keystore_unsupported',
    ],
    ['keystore 100', android({ hardwareKeystoreVersion: 100 }), null],
    [
      'no keystore (null)',
      android({ hardwareKeystoreVersion: null }),
      'TAP_TO_PAY_UNSUPPORTED_DEVICE',
      'hardware_keystore_unsupported',
    ],
    ['emulator', android({ isEmulator: true, cpuArch: 'x86_64' }), 'TAP_TO_PAY_UNSUPPORTED_DEVICE', 'emulator'],
    ['no internet', android({ internet: false }), 'STRIPE_API_CONNECTION_ERROR', 'no_internet'],
    [
      'security patch 12 months + 1 day old',
      android({ securityPatch: '2025-05-31' }),
      'TAP_TO_PAY_UNSUPPORTED_ANDROID_VERSION',
      'security_patch_too_old',
    ],
    ['security patch under 12 months', android({ securityPatch: '2025-06-02' }), null],
    ['security patch YYYY-MM', android({ securityPatch: '2025-07' }), null],
    ['debuggable app with the simulated reader', android({ debuggable: true }), null],
    ['developer options with the simulated reader', android({ developerOptions: true }), null],
    ['a list model works, so does one not listed', android({ model: 'Sunmi V3 MIX' }), null],
  ]);

  void it('the GMS refusal says "ATTESTATION_FAILURE" and "not GMS certified"', () => {
    const r = check(android({ gmsCertified: false }));
    assert.ok(!r.ok);
    assert.match(r.message, /^ATTESTATION_FAILURE: .*not GMS certified/);
  });

  void describe('with the real (non-simulated) reader', () => {
    runTable(
      [
        ['debuggable app', android({ debuggable: true }), 'TAP_TO_PAY_DEBUG_NOT_SUPPORTED', 'debuggable_app'],
        [
          'developer options on',
          android({ developerOptions: true }),
          'TAP_TO_PAY_INSECURE_ENVIRONMENT',
          'developer_options',
        ],
        ['clean device', android(), null],
      ],
      { simulated: false },
    );
  });

  void it('first failing rule wins, in the documented order', () => {
    const r = check(android({ rooted: true, gmsCertified: false, hardwareKeystoreVersion: 0, internet: false }));
    assert.equal(r.ok === false && r.reason, 'rooted');
    const r2 = check(android({ osVersion: '12', cpuArch: 'x86' }));
    assert.equal(r2.ok === false && r2.reason, 'non_arm_cpu');
    const r3 = check(android({ isEmulator: true, iosEntitlement: true }));
    assert.equal(r3.ok === false && r3.reason, 'emulator');
  });
});

void describe('checkDevice: forged facts that contradict each other', () => {
  runTable([
    [
      'iOS claiming GMS certification',
      iphone({ gmsCertified: true }),
      'TAP_TO_PAY_INCONSISTENT_DEVICE_FACTS',
      'ios_with_android_facts',
    ],
    [
      'iOS with a hardware keystore version',
      iphone({ hardwareKeystoreVersion: 300 }),
      'TAP_TO_PAY_INCONSISTENT_DEVICE_FACTS',
      'ios_with_android_facts',
    ],
    [
      'iOS with an Android security patch',
      iphone({ securityPatch: '2026-05-01' }),
      'TAP_TO_PAY_INCONSISTENT_DEVICE_FACTS',
      'ios_with_android_facts',
    ],
    ['iOS on a Pixel', iphone({ model: 'Pixel 8' }), 'TAP_TO_PAY_INCONSISTENT_DEVICE_FACTS', 'non_apple_model_on_ios'],
    [
      'iPhone on x86_64 (not an emulator)',
      iphone({ cpuArch: 'x86_64' }),
      'TAP_TO_PAY_INCONSISTENT_DEVICE_FACTS',
      'ios_on_non_arm_cpu',
    ],
    ['iPhone without NFC', iphone({ hasNfc: false }), 'TAP_TO_PAY_INCONSISTENT_DEVICE_FACTS', 'iphone_without_nfc'],
    [
      'iOS 21 (does not exist)',
      iphone({ osVersion: '21.0' }),
      'TAP_TO_PAY_INCONSISTENT_DEVICE_FACTS',
      'ios_version_does_not_exist',
    ],
    [
      'Android holding the iOS entitlement',
      android({ iosEntitlement: true }),
      'TAP_TO_PAY_INCONSISTENT_DEVICE_FACTS',
      'android_with_ios_facts',
    ],
    [
      'iPhone model on Android',
      android({ model: 'iPhone 15 Pro' }),
      'TAP_TO_PAY_INCONSISTENT_DEVICE_FACTS',
      'apple_model_on_android',
    ],
    [
      'iPad model on Android',
      android({ model: 'iPad Pro' }),
      'TAP_TO_PAY_INCONSISTENT_DEVICE_FACTS',
      'apple_model_on_android',
    ],
    [
      'NFC on without NFC hardware',
      android({ hasNfc: false, nfcEnabled: true }),
      'TAP_TO_PAY_INCONSISTENT_DEVICE_FACTS',
      'nfc_enabled_without_nfc',
    ],
    [
      'security patch in the future',
      android({ securityPatch: '2026-07-01' }),
      'TAP_TO_PAY_INCONSISTENT_DEVICE_FACTS',
      'os_released_after_now',
    ],
    ['Android with iosEntitlement false is fine', android({ iosEntitlement: false }), null],
    ['iOS with gmsCertified false is fine', iphone({ gmsCertified: false, hardwareKeystoreVersion: null }), null],
  ]);

  void it('an iOS version released after now is forged', () => {
    const r = check(iphone({ osVersion: '26.2' }), { nowMs: Date.UTC(2025, 9, 1) });
    assert.equal(r.ok === false && r.code, 'TAP_TO_PAY_INCONSISTENT_DEVICE_FACTS');
    assert.equal(r.ok === false && r.reason, 'os_released_after_now');
  });
});

void describe('validateDeviceFacts: malformed facts', () => {
  const cases: [string, unknown, string, string | undefined][] = [
    ['null', null, 'invalid_fact', undefined],
    ['an array', [], 'invalid_fact', undefined],
    ['no platform', { ...android(), platform: undefined }, 'missing_fact', 'platform'],
    ['platform windows', { ...android(), platform: 'windows' }, 'invalid_fact', 'platform'],
    ['osVersion not a version', android({ osVersion: 'fourteen' }), 'invalid_fact', 'osVersion'],
    ['sdkVersion missing', { ...android(), sdkVersion: undefined }, 'missing_fact', 'sdkVersion'],
    ['empty model', android({ model: '  ' }), 'invalid_fact', 'model'],
    ['hasNfc a string', { ...android(), hasNfc: 'yes' }, 'invalid_fact', 'hasNfc'],
    ['rooted missing', { ...android(), rooted: undefined }, 'missing_fact', 'rooted'],
    ['overlays a number', { ...android(), overlays: 1 }, 'invalid_fact', 'overlays'],
    ['keystore negative', android({ hardwareKeystoreVersion: -1 }), 'invalid_fact', 'hardwareKeystoreVersion'],
    ['keystore fractional', android({ hardwareKeystoreVersion: 100.5 }), 'invalid_fact', 'hardwareKeystoreVersion'],
    ['bad security patch date', android({ securityPatch: '2025-02-30' }), 'invalid_fact', 'securityPatch'],
    ['Android without gmsCertified', { ...android(), gmsCertified: undefined }, 'missing_fact', 'gmsCertified'],
    [
      'Android without keystore version',
      { ...android(), hardwareKeystoreVersion: undefined },
      'missing_fact',
      'hardwareKeystoreVersion',
    ],
    ['iOS without entitlement fact', { ...iphone(), iosEntitlement: undefined }, 'missing_fact', 'iosEntitlement'],
    ['iOS without passcode fact', { ...iphone(), passcodeSet: undefined }, 'missing_fact', 'passcodeSet'],
    ['gmsCertified a string', { ...android(), gmsCertified: 'true' }, 'invalid_fact', 'gmsCertified'],
  ];
  for (const [name, input, reason, field] of cases) {
    void it(`${name} → INVALID_REQUIRED_PARAMETER (${reason}${field ? ` ${field}` : ''})`, () => {
      const v = validateDeviceFacts(input);
      assert.equal(v.ok, false);
      if (v.ok) return;
      assert.equal(v.code, 'INVALID_REQUIRED_PARAMETER');
      assert.equal(v.reason, reason);
      assert.equal(v.field, field);
      // checkDevice gives the same answer for untrusted input.
      assert.deepEqual(check(input), v);
    });
  }
  void it('accepts well-formed facts as they are', () => {
    const facts = android();
    const v = validateDeviceFacts(facts);
    assert.ok(v.ok);
    assert.equal(v.ok && v.facts, facts);
  });
});

void describe('classifyIphoneModel', () => {
  const rows: [string, string][] = [
    ['iPhone11,2', 'supported'],
    ['iPhone11,8', 'supported'],
    ['iPhone17,3', 'supported'],
    ['iPhone10,3', 'too_old'],
    ['iPhone XS', 'supported'],
    ['iphone xs max', 'supported'],
    ['iPhone XR', 'supported'],
    ['iPhone X', 'too_old'],
    ['iPhone 11', 'supported'],
    ['iPhone 12 mini', 'supported'],
    ['iPhone 15 Pro Max', 'supported'],
    ['iPhone 16e', 'supported'],
    ['iPhone 17 Pro', 'supported'],
    ['iPhone Air', 'supported'],
    ['iPhone 8 Plus', 'too_old'],
    ['iPhone 6s Plus', 'too_old'],
    ['iPhone 7', 'too_old'],
    ['iPhone SE (2nd generation)', 'supported'],
    ['iPhone SE (3rd generation)', 'supported'],
    ['iPhone SE 2022', 'supported'],
    ['iPhone SE', 'too_old'],
    ['iPhone SE (1st generation)', 'too_old'],
    ['iPhone 3GS', 'too_old'],
    ['iPhone 10', 'unknown'],
    ['iPad Pro', 'not_iphone'],
    ['iPod touch', 'not_iphone'],
  ];
  for (const [model, kind] of rows) {
    void it(`${model} → ${kind}`, () => assert.equal(classifyIphoneModel(model).kind, kind));
  }
});

void describe('lookupIosRelease', () => {
  void it('matches the greatest same-major entry ≤ the version', () => {
    assert.deepEqual(lookupIosRelease('17.5.1'), {
      kind: 'listed',
      version: '17.5',
      released: '2024-05-13',
      releasedMs: Date.UTC(2024, 4, 13),
    });
    assert.equal(lookupIosRelease('16.7.10').kind, 'listed');
    assert.equal(lookupIosRelease('26.3').kind, 'newer_than_table');
    assert.equal(lookupIosRelease('11.0').kind, 'older_than_table');
    assert.equal(lookupIosRelease('19.0').kind, 'nonexistent');
  });
  void it('sorts by version, not by list order (16.7 shipped after 17.0)', () => {
    const r = lookupIosRelease('16.7.2');
    assert.equal(r.kind === 'listed' && r.version, '16.7');
  });
});

void describe('checkDevice: every refusal exactly (code, reason, message, field)', () => {
  const refusal = (code: string, reason: string, message: string, field?: string) => ({
    ok: false,
    code,
    reason,
    message,
    ...(field ? { field } : {}),
  });
  const forged = (reason: string, message: string, field: string) =>
    refusal('TAP_TO_PAY_INCONSISTENT_DEVICE_FACTS', reason, `Inconsistent device facts: ${message}`, field);
  const invalid = (field: string, expected: string) =>
    refusal('INVALID_REQUIRED_PARAMETER', 'invalid_fact', `Device fact \`${field}\` must be ${expected}.`, field);
  const missing = (field: string) =>
    refusal('INVALID_REQUIRED_PARAMETER', 'missing_fact', `Device fact \`${field}\` is required.`, field);
  const rows: [string, unknown, ReturnType<typeof refusal>, Partial<Parameters<typeof checkDevice>[1]>?][] = [
    [
      'not an object',
      'phone',
      refusal('INVALID_REQUIRED_PARAMETER', 'invalid_fact', 'Device facts must be an object.'),
    ],
    ['no platform', { ...android(), platform: undefined }, missing('platform')],
    ['platform windows', { ...android(), platform: 'windows' }, invalid('platform', "'ios' or 'android'")],
    ['no osVersion', { ...android(), osVersion: undefined }, missing('osVersion')],
    ['osVersion a number', { ...android(), osVersion: 14 }, invalid('osVersion', 'a dotted version such as 17.5.1')],
    [
      'sdkVersion not a version',
      android({ sdkVersion: 'five' }),
      invalid('sdkVersion', 'a dotted version such as 17.5.1'),
    ],
    ['no model', { ...android(), model: undefined }, missing('model')],
    ['cpuArch a number', { ...android(), cpuArch: 64 }, invalid('cpuArch', 'a non-empty string')],
    ['cpuArch empty', android({ cpuArch: '' }), invalid('cpuArch', 'a non-empty string')],
    ['internet missing', { ...android(), internet: undefined }, missing('internet')],
    ['isEmulator a string', { ...android(), isEmulator: 'no' }, invalid('isEmulator', 'a boolean')],
    ['debuggable a string', { ...android(), debuggable: 'no' }, invalid('debuggable', 'a boolean')],
    ['nfcEnabled null', { ...android(), nfcEnabled: null }, invalid('nfcEnabled', 'a boolean')],
    ['passcodeSet a number', { ...iphone(), passcodeSet: 1 }, invalid('passcodeSet', 'a boolean or null')],
    [
      'keystore a string',
      { ...android(), hardwareKeystoreVersion: '300' },
      invalid('hardwareKeystoreVersion', 'a non-negative integer or null'),
    ],
    [
      'security patch a number',
      { ...android(), securityPatch: 20250601 },
      invalid('securityPatch', 'a date YYYY-MM-DD or YYYY-MM'),
    ],
    [
      'emulator',
      iphone({ isEmulator: true }),
      refusal(
        'TAP_TO_PAY_UNSUPPORTED_DEVICE',
        'emulator',
        'Tap to Pay does not run on emulators or simulators; the simulated reader needs a real phone too.',
        'isEmulator',
      ),
    ],
    [
      'NFC enabled without NFC',
      iphone({ hasNfc: false, nfcEnabled: true }),
      forged('nfc_enabled_without_nfc', 'NFC is reported enabled on a device without NFC.', 'nfcEnabled'),
    ],
    [
      'iOS GMS',
      iphone({ gmsCertified: true }),
      forged('ios_with_android_facts', 'an iOS device cannot be Google Mobile Services certified.', 'gmsCertified'),
    ],
    [
      'iOS keystore',
      iphone({ hardwareKeystoreVersion: 1 }),
      forged(
        'ios_with_android_facts',
        'an iOS device has no Android hardware keystore version.',
        'hardwareKeystoreVersion',
      ),
    ],
    [
      'iOS security patch',
      iphone({ securityPatch: '2020-01' }),
      forged('ios_with_android_facts', 'an iOS device has no Android security patch level.', 'securityPatch'),
    ],
    [
      'iOS on a Galaxy',
      iphone({ model: 'Galaxy S24' }),
      forged('non_apple_model_on_ios', 'model "Galaxy S24" is not an Apple device but the platform is iOS.', 'model'),
    ],
    [
      'iOS on x86',
      iphone({ cpuArch: 'x86_64' }),
      forged('ios_on_non_arm_cpu', 'iPhones have ARM processors, not x86_64.', 'cpuArch'),
    ],
    [
      'iPhone without NFC',
      iphone({ hasNfc: false }),
      forged('iphone_without_nfc', 'every iPhone XS or later has NFC.', 'hasNfc'),
    ],
    [
      'iOS 20.1',
      iphone({ osVersion: '20.1' }),
      forged('ios_version_does_not_exist', 'iOS 20.1 does not exist.', 'osVersion'),
    ],
    [
      'iOS 26.1.2 before 26.1 shipped',
      iphone({ osVersion: '26.1.2' }),
      forged('os_released_after_now', 'iOS 26.1 was not released yet at this time.', 'osVersion'),
      { nowMs: Date.UTC(2025, 10, 2) },
    ],
    [
      'Android entitlement',
      android({ iosEntitlement: true }),
      forged('android_with_ios_facts', 'an Android app cannot hold an iOS entitlement.', 'iosEntitlement'),
    ],
    [
      'Android on an iPod',
      android({ model: ' ipod touch' }),
      forged('apple_model_on_android', 'model " ipod touch" is an Apple device but the platform is Android.', 'model'),
    ],
    [
      'patch from the future',
      android({ securityPatch: '2026-06-02' }),
      forged('os_released_after_now', 'security patch 2026-06-02 is in the future.', 'securityPatch'),
    ],
    [
      'iPad',
      iphone({ model: 'iPad13,1' }),
      refusal(
        'TAP_TO_PAY_UNSUPPORTED_DEVICE',
        'not_an_iphone',
        'Tap to Pay on iPhone needs an iPhone; "iPad13,1" is not one.',
        'model',
      ),
    ],
    [
      'iPhone X',
      iphone({ model: 'iPhone X' }),
      refusal(
        'TAP_TO_PAY_UNSUPPORTED_DEVICE',
        'iphone_too_old',
        'Tap to Pay needs an iPhone XS or later; "iPhone X" is older.',
        'model',
      ),
    ],
    [
      'iPhone Fold',
      iphone({ model: 'iPhone Fold' }),
      refusal(
        'TAP_TO_PAY_UNSUPPORTED_DEVICE',
        'unknown_iphone_model',
        'Unknown iPhone model "iPhone Fold"; send a model identifier such as iPhone11,2.',
        'model',
      ),
    ],
    [
      'iOS beta',
      iphone({ isBeta: true }),
      refusal('TAP_TO_PAY_UNSUPPORTED_OS_VERSION', 'os_beta', 'Tap to Pay does not work on iOS betas.', 'isBeta'),
    ],
    [
      'iOS 11.4',
      iphone({ osVersion: '11.4' }),
      refusal(
        'TAP_TO_PAY_UNSUPPORTED_OS_VERSION',
        'os_too_old',
        'iOS 11.4 is too old: Tap to Pay needs an iOS version released within the last year.',
        'osVersion',
      ),
    ],
    [
      'iOS 18.5',
      iphone({ osVersion: '18.5' }),
      refusal(
        'TAP_TO_PAY_UNSUPPORTED_OS_VERSION',
        'os_too_old',
        'iOS 18.5 was released more than a year ago: Tap to Pay needs an iOS version released within the last year. Update iOS.',
        'osVersion',
      ),
    ],
    [
      'jailbroken',
      iphone({ rooted: true }),
      refusal('TAP_TO_PAY_DEVICE_TAMPERED', 'rooted', 'The device is jailbroken.', 'rooted'),
    ],
    [
      'rooted',
      android({ rooted: true }),
      refusal('TAP_TO_PAY_DEVICE_TAMPERED', 'rooted', 'The device is rooted.', 'rooted'),
    ],
    [
      'unlocked',
      iphone({ bootloaderUnlocked: true }),
      refusal(
        'TAP_TO_PAY_DEVICE_TAMPERED',
        'bootloader_unlocked',
        'The device bootloader is unlocked.',
        'bootloaderUnlocked',
      ),
    ],
    [
      'modified OS',
      iphone({ modifiedOs: true }),
      refusal(
        'TAP_TO_PAY_DEVICE_TAMPERED',
        'modified_os',
        'The device does not run the unmodified operating system provided by its manufacturer.',
        'modifiedOs',
      ),
    ],
    [
      'no entitlement',
      iphone({ iosEntitlement: null }),
      refusal(
        'TAP_TO_PAY_MISSING_ENTITLEMENT',
        'missing_entitlement',
        'The app lacks the com.apple.developer.proximity-reader.payment.acceptance entitlement.',
        'iosEntitlement',
      ),
    ],
    [
      'no passcode',
      iphone({ passcodeSet: false }),
      refusal(
        'TAP_TO_PAY_PASSCODE_NOT_ENABLED',
        'passcode_not_set',
        'Tap to Pay needs a device passcode. Set one in Settings and retry.',
        'passcodeSet',
      ),
    ],
    [
      'iPhone NFC off',
      iphone({ nfcEnabled: false }),
      refusal(
        'TAP_TO_PAY_NFC_DISABLED',
        'nfc_disabled',
        'NFC is turned off. Turn it on in the device settings and retry.',
        'nfcEnabled',
      ),
    ],
    [
      'iPhone offline',
      iphone({ internet: false }),
      refusal(
        'STRIPE_API_CONNECTION_ERROR',
        'no_internet',
        'Tap to Pay needs a stable internet connection.',
        'internet',
      ),
    ],
    [
      'Android x86',
      android({ cpuArch: 'x86' }),
      refusal(
        'TAP_TO_PAY_UNSUPPORTED_PROCESSOR',
        'non_arm_cpu',
        'Tap to Pay needs an ARM processor; this device has x86.',
        'cpuArch',
      ),
    ],
    [
      'Android without NFC',
      android({ hasNfc: false }, 'nfcEnabled'),
      refusal(
        'TAP_TO_PAY_UNSUPPORTED_DEVICE',
        'no_nfc',
        'Tap to Pay needs a device with a working built-in NFC sensor.',
        'hasNfc',
      ),
    ],
    [
      'Android beta',
      android({ isBeta: true }),
      refusal(
        'TAP_TO_PAY_UNSUPPORTED_ANDROID_VERSION',
        'os_beta',
        'Tap to Pay does not work on Android betas.',
        'isBeta',
      ),
    ],
    [
      'Android 12.1',
      android({ osVersion: '12.1' }),
      refusal(
        'TAP_TO_PAY_UNSUPPORTED_ANDROID_VERSION',
        'os_too_old',
        'Tap to Pay needs Android 13 or later; this device runs Android 12.1.',
        'osVersion',
      ),
    ],
    [
      'patch 2025-06-01 on 2026-06-01',
      android({ securityPatch: '2025-06-01' }),
      refusal(
        'TAP_TO_PAY_UNSUPPORTED_ANDROID_VERSION',
        'security_patch_too_old',
        'Security patch 2025-06-01 is older than 12 months. Update the device.',
        'securityPatch',
      ),
    ],
    [
      'not GMS',
      android({ gmsCertified: false }),
      refusal('ATTESTATION_FAILURE', 'not_gms_certified', gmsAttestationMessage, 'gmsCertified'),
    ],
    [
      'keystore 99',
      android({ hardwareKeystoreVersion: 99 }),
      refusal(
        'TAP_TO_PAY_UNSUPPORTED_DEVICE',
        'hardware_keystore_unsupported',
        'Tap to Pay needs a hardware-backed keystore with ECDH (FEATURE_HARDWARE_KEYSTORE ≥ 100); this device reports 99.',
        'hardwareKeystoreVersion',
      ),
    ],
    [
      'no keystore',
      android({ hardwareKeystoreVersion: null }),
      refusal(
        'TAP_TO_PAY_UNSUPPORTED_DEVICE',
        'hardware_keystore_unsupported',
        'Tap to Pay needs a hardware-backed keystore with ECDH (FEATURE_HARDWARE_KEYSTORE ≥ 100); this device reports none.',
        'hardwareKeystoreVersion',
      ),
    ],
    [
      'Android NFC off',
      android({ nfcEnabled: false }),
      refusal(
        'TAP_TO_PAY_NFC_DISABLED',
        'nfc_disabled',
        'NFC is turned off. Turn it on in the device settings and retry.',
        'nfcEnabled',
      ),
    ],
    [
      'debuggable, real reader',
      android({ debuggable: true }),
      refusal(
        'TAP_TO_PAY_DEBUG_NOT_SUPPORTED',
        'debuggable_app',
        'A debuggable app can only use the simulated Tap to Pay reader.',
        'debuggable',
      ),
      { simulated: false },
    ],
    [
      'developer options, real reader',
      android({ developerOptions: true }),
      refusal(
        'TAP_TO_PAY_INSECURE_ENVIRONMENT',
        'developer_options',
        'Developer options (USB or Wi-Fi debugging) are on; turn them off to use the Tap to Pay reader.',
        'developerOptions',
      ),
      { simulated: false },
    ],
  ];
  for (const [name, facts, expected, opts] of rows) {
    void it(`${name} → ${expected.reason}`, () => assert.deepEqual(check(facts, opts), expected));
  }

  void it('the accepted edges: keystore exactly 100, patch one day under a year, an iPhone identifier with padding', () => {
    assert.deepEqual(check(android({ hardwareKeystoreVersion: 100, securityPatch: '2025-06-02' })), { ok: true });
    assert.deepEqual(check(android({ debuggable: false, developerOptions: false }), { simulated: false }), {
      ok: true,
    });
    assert.deepEqual(check(iphone({ model: '  iPhone15,2', cpuArch: 'ARM64e' })), { ok: true });
    assert.deepEqual(
      check(iphone({ hasNfc: false, model: 'iPad13,1' })),
      {
        ok: false,
        code: 'TAP_TO_PAY_UNSUPPORTED_DEVICE',
        reason: 'not_an_iphone',
        message: 'Tap to Pay on iPhone needs an iPhone; "iPad13,1" is not one.',
        field: 'model',
      },
      'an iPad without NFC is not forged: only iPhones always have NFC',
    );
    assert.deepEqual(check(iphone({ osVersion: '27.0' })), { ok: true }, 'newer than the table: assumed current');
    assert.deepEqual(check(iphone({ hardwareKeystoreVersion: 0, securityPatch: null })), { ok: true });
  });

  void it('isArmProcessor: arm and aarch64 prefixes only, any case, padding ignored', () => {
    for (const arch of ['arm64', 'arm64-v8a', 'armeabi-v7a', 'aarch64', ' AARCH64 ', 'ARMv8'])
      assert.equal(isArmProcessor(arch), true, arch);
    for (const arch of ['x86', 'x86_64', 'mips', 'riscv64', 'i686-arm'])
      assert.equal(isArmProcessor(arch), false, arch);
  });
});

void describe('lookupIosRelease: the table edges', () => {
  const table = [
    { version: '17.0', released: '2023-09-18' },
    { version: '18.0', released: '2024-09-16' },
    { version: 'not a version', released: '2024-01-01' },
    { version: '18.1', released: 'never' },
  ];
  void it('entries with a bad version or date are ignored; an empty table takes every version as current', () => {
    assert.deepEqual(
      lookupIosRelease('18.1', table),
      { kind: 'newer_than_table' },
      'the 18.1 row without a date is not in the table',
    );
    assert.deepEqual(lookupIosRelease('18.0', table), {
      kind: 'listed',
      version: '18.0',
      released: '2024-09-16',
      releasedMs: Date.UTC(2024, 8, 16),
    });
    assert.deepEqual(lookupIosRelease('18.0.1', table), { kind: 'newer_than_table' });
    assert.deepEqual(lookupIosRelease('19', table), { kind: 'newer_than_table' });
    assert.deepEqual(lookupIosRelease('16.9', table), { kind: 'older_than_table' });
    assert.deepEqual(lookupIosRelease('17.0', table), {
      kind: 'listed',
      version: '17.0',
      released: '2023-09-18',
      releasedMs: Date.UTC(2023, 8, 18),
    });
    assert.deepEqual(lookupIosRelease('17.9', table), {
      kind: 'listed',
      version: '17.0',
      released: '2023-09-18',
      releasedMs: Date.UTC(2023, 8, 18),
    });
    assert.deepEqual(lookupIosRelease('18.0', []), { kind: 'newer_than_table' });
    assert.deepEqual(lookupIosRelease('1.0', [{ version: 'x', released: 'y' }]), { kind: 'newer_than_table' });
    const gap = [
      { version: '16.0', released: '2022-09-12' },
      { version: '18.0', released: '2024-09-16' },
    ];
    assert.deepEqual(lookupIosRelease('17.2', gap), { kind: 'nonexistent' });
  });
});
