/**
 * Device requirements for a phone acting as a Tap to Pay reader (seed "Appareils pris en charge" for
 * iPhone and Android; docs/tap-to-pay.md, "Device requirements"). The SDK presents the phone's facts at connect; `checkDevice`
 * answers whether the phone may become a reader and, if not, the first failing rule as a refusal
 * with its documented code and reason. Pure: `nowMs` comes in, nothing is read from the host.
 *
 * Order of the checks (first failure wins) — see docs/tap-to-pay.md for the table:
 *   shape → emulator → forged/contradictory facts → platform rules.
 */
import { tapToPayRefusal, type TapToPayRefusal } from './codes.js';
import { defaultIosReleases, type IosRelease } from './ios-releases.js';
import { addYearsMs, compareVersions, parseIsoDate, parseVersion } from './version.js';

export type TapToPayPlatform = 'ios' | 'android';

export interface DeviceFacts {
  platform: TapToPayPlatform;
  /** Dotted OS version: `'17.5.1'` on iOS, `'14'` (or `'14.0'`) on Android. */
  osVersion: string;
  /** A beta / developer-preview OS build. */
  isBeta: boolean;
  /** iOS: a model identifier (`iPhone11,2`) or marketing name (`iPhone XS`); Android: free text. */
  model: string;
  /** The phone has a working NFC controller. */
  hasNfc: boolean;
  /** NFC switched on (default true). */
  nfcEnabled?: boolean;
  /** `arm64`, `arm64-v8a`, `armeabi-v7a`, `aarch64`, `x86`, `x86_64`… */
  cpuArch: string;
  /** Rooted (Android) or jailbroken (iOS). */
  rooted: boolean;
  bootloaderUnlocked: boolean;
  /** Not the manufacturer's unmodified OS (custom ROM…). */
  modifiedOs: boolean;
  isEmulator: boolean;
  /** Android: Google Mobile Services certified with the Play Store. Required on Android. */
  gmsCertified?: boolean | null;
  /** Android `FEATURE_HARDWARE_KEYSTORE` version (null/0 = none). Required on Android. */
  hardwareKeystoreVersion?: number | null;
  /** Android: the device security patch level, `YYYY-MM-DD` or `YYYY-MM`. Checked when given. */
  securityPatch?: string | null;
  /** iOS: the app has `com.apple.developer.proximity-reader.payment.acceptance` = true. Required on iOS. */
  iosEntitlement?: boolean | null;
  /** iOS: a device passcode is set. Required on iOS. */
  passcodeSet?: boolean | null;
  /** Android developer options on (USB / Wi-Fi debugging…). Only refused at connect for a real reader. */
  developerOptions?: boolean;
  accessibilityServices?: boolean;
  screenRecording?: boolean;
  overlays?: boolean;
  internet: boolean;
  /** The app is debuggable (Android). Only refused for a real (non-simulated) reader. */
  debuggable?: boolean;
  /** The Terminal SDK version of the app (`'5.0.0'`). */
  sdkVersion: string;
}

export type DeviceRefusalReason =
  | 'invalid_fact'
  | 'missing_fact'
  | 'emulator'
  | 'ios_with_android_facts'
  | 'android_with_ios_facts'
  | 'apple_model_on_android'
  | 'non_apple_model_on_ios'
  | 'ios_on_non_arm_cpu'
  | 'iphone_without_nfc'
  | 'nfc_enabled_without_nfc'
  | 'ios_version_does_not_exist'
  | 'os_released_after_now'
  | 'not_an_iphone'
  | 'iphone_too_old'
  | 'unknown_iphone_model'
  | 'os_beta'
  | 'os_too_old'
  | 'security_patch_too_old'
  | 'non_arm_cpu'
  | 'no_nfc'
  | 'rooted'
  | 'bootloader_unlocked'
  | 'modified_os'
  | 'not_gms_certified'
  | 'hardware_keystore_unsupported'
  | 'missing_entitlement'
  | 'passcode_not_set'
  | 'nfc_disabled'
  | 'no_internet'
  | 'debuggable_app'
  | 'developer_options';

export type DeviceRefusal = TapToPayRefusal<
  | 'INVALID_REQUIRED_PARAMETER'
  | 'TAP_TO_PAY_INCONSISTENT_DEVICE_FACTS'
  | 'TAP_TO_PAY_UNSUPPORTED_DEVICE'
  | 'TAP_TO_PAY_UNSUPPORTED_PROCESSOR'
  | 'TAP_TO_PAY_UNSUPPORTED_ANDROID_VERSION'
  | 'TAP_TO_PAY_UNSUPPORTED_OS_VERSION'
  | 'TAP_TO_PAY_DEVICE_TAMPERED'
  | 'ATTESTATION_FAILURE'
  | 'TAP_TO_PAY_MISSING_ENTITLEMENT'
  | 'TAP_TO_PAY_PASSCODE_NOT_ENABLED'
  | 'TAP_TO_PAY_NFC_DISABLED'
  | 'STRIPE_API_CONNECTION_ERROR'
  | 'TAP_TO_PAY_DEBUG_NOT_SUPPORTED'
  | 'TAP_TO_PAY_INSECURE_ENVIRONMENT',
  DeviceRefusalReason
> & { field?: keyof DeviceFacts };

export interface CheckDeviceOptions {
  nowMs: number;
  /** iOS release dates; defaults to `defaultIosReleases`. */
  iosReleases?: readonly IosRelease[];
  /**
   * Whether the phone connects the simulated Tap to Pay reader (default true: OpenTill only has
   * simulated readers). The simulated reader enforces the same device requirements; only the
   * debuggable-app and developer-options connect checks are skipped for it, as in the Android SDK.
   */
  simulated?: boolean;
}

/** The minimum Android major version (API 33). */
export const minimumAndroidVersion = 13;
/** The minimum `FEATURE_HARDWARE_KEYSTORE` version (hardware-backed keystore with ECDH). */
export const minimumHardwareKeystoreVersion = 100;
/** The entitlement an iOS app needs. */
export const iosTapToPayEntitlement = 'com.apple.developer.proximity-reader.payment.acceptance';

export const gmsAttestationMessage =
  'ATTESTATION_FAILURE: the device is not GMS certified (Google Mobile Services with the Play Store). Contact the device manufacturer.';

type Check = DeviceRefusal | null;

const refuse = (
  code: DeviceRefusal['code'],
  reason: DeviceRefusalReason,
  message: string,
  field?: keyof DeviceFacts,
): DeviceRefusal =>
  field ? { ...tapToPayRefusal(code, reason, message), field } : tapToPayRefusal(code, reason, message);

const booleanFields = [
  'isBeta',
  'hasNfc',
  'rooted',
  'bootloaderUnlocked',
  'modifiedOs',
  'isEmulator',
  'internet',
] as const;
const optionalBooleanFields = [
  'nfcEnabled',
  'developerOptions',
  'accessibilityServices',
  'screenRecording',
  'overlays',
  'debuggable',
] as const;
const nullableBooleanFields = ['gmsCertified', 'iosEntitlement', 'passcodeSet'] as const;

/**
 * Checks the shape of untrusted facts (they come over the wire). Returns the facts typed, or an
 * `INVALID_REQUIRED_PARAMETER` refusal naming the field.
 */
export function validateDeviceFacts(input: unknown): { ok: true; facts: DeviceFacts } | DeviceRefusal {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return refuse('INVALID_REQUIRED_PARAMETER', 'invalid_fact', 'Device facts must be an object.');
  }
  const f = input as Record<string, unknown>;
  const missing = (field: keyof DeviceFacts) =>
    refuse('INVALID_REQUIRED_PARAMETER', 'missing_fact', `Device fact \`${field}\` is required.`, field);
  const invalid = (field: keyof DeviceFacts, expected: string) =>
    refuse('INVALID_REQUIRED_PARAMETER', 'invalid_fact', `Device fact \`${field}\` must be ${expected}.`, field);

  if (f.platform === undefined) return missing('platform');
  if (f.platform !== 'ios' && f.platform !== 'android') return invalid('platform', "'ios' or 'android'");
  for (const field of ['osVersion', 'sdkVersion'] as const) {
    if (f[field] === undefined) return missing(field);
    if (typeof f[field] !== 'string' || parseVersion(f[field]) === null)
      return invalid(field, 'a dotted version such as 17.5.1');
  }
  for (const field of ['model', 'cpuArch'] as const) {
    if (f[field] === undefined) return missing(field);
    if (typeof f[field] !== 'string' || f[field].trim() === '') return invalid(field, 'a non-empty string');
  }
  for (const field of booleanFields) {
    if (f[field] === undefined) return missing(field);
    if (typeof f[field] !== 'boolean') return invalid(field, 'a boolean');
  }
  for (const field of optionalBooleanFields) {
    if (f[field] !== undefined && typeof f[field] !== 'boolean') return invalid(field, 'a boolean');
  }
  for (const field of nullableBooleanFields) {
    if (f[field] !== undefined && f[field] !== null && typeof f[field] !== 'boolean')
      return invalid(field, 'a boolean or null');
  }
  const ks = f.hardwareKeystoreVersion;
  if (ks !== undefined && ks !== null && (typeof ks !== 'number' || !Number.isInteger(ks) || ks < 0)) {
    return invalid('hardwareKeystoreVersion', 'a non-negative integer or null');
  }
  const patch = f.securityPatch;
  if (patch !== undefined && patch !== null && (typeof patch !== 'string' || parseIsoDate(patch) === null)) {
    return invalid('securityPatch', 'a date YYYY-MM-DD or YYYY-MM');
  }
  if (f.platform === 'android') {
    if (f.gmsCertified === undefined) return missing('gmsCertified');
    if (ks === undefined) return missing('hardwareKeystoreVersion');
  } else {
    if (f.iosEntitlement === undefined) return missing('iosEntitlement');
    if (f.passcodeSet === undefined) return missing('passcodeSet');
  }
  return { ok: true, facts: input as DeviceFacts };
}

const appleModel = /^\s*(iphone|ipad|ipod)/i;

/** The `TAP_TO_PAY_INCONSISTENT_DEVICE_FACTS` rules: facts no real phone can present together. */
function checkConsistency(f: DeviceFacts, releases: readonly IosRelease[], nowMs: number): Check {
  const forged = (reason: DeviceRefusalReason, message: string, field: keyof DeviceFacts) =>
    refuse('TAP_TO_PAY_INCONSISTENT_DEVICE_FACTS', reason, `Inconsistent device facts: ${message}`, field);
  if (f.nfcEnabled === true && !f.hasNfc)
    return forged('nfc_enabled_without_nfc', 'NFC is reported enabled on a device without NFC.', 'nfcEnabled');
  if (f.platform === 'ios') {
    if (f.gmsCertified === true)
      return forged(
        'ios_with_android_facts',
        'an iOS device cannot be Google Mobile Services certified.',
        'gmsCertified',
      );
    if (typeof f.hardwareKeystoreVersion === 'number' && f.hardwareKeystoreVersion > 0) {
      return forged(
        'ios_with_android_facts',
        'an iOS device has no Android hardware keystore version.',
        'hardwareKeystoreVersion',
      );
    }
    if (typeof f.securityPatch === 'string')
      return forged('ios_with_android_facts', 'an iOS device has no Android security patch level.', 'securityPatch');
    if (!appleModel.test(f.model))
      return forged(
        'non_apple_model_on_ios',
        `model "${f.model}" is not an Apple device but the platform is iOS.`,
        'model',
      );
    if (!isArmProcessor(f.cpuArch))
      return forged('ios_on_non_arm_cpu', `iPhones have ARM processors, not ${f.cpuArch}.`, 'cpuArch');
    if (!f.hasNfc && /^\s*iphone/i.test(f.model))
      return forged('iphone_without_nfc', 'every iPhone XS or later has NFC.', 'hasNfc');
    const release = lookupIosRelease(f.osVersion, releases);
    if (release.kind === 'nonexistent')
      return forged('ios_version_does_not_exist', `iOS ${f.osVersion} does not exist.`, 'osVersion');
    if (release.kind === 'listed' && release.releasedMs > nowMs) {
      return forged('os_released_after_now', `iOS ${release.version} was not released yet at this time.`, 'osVersion');
    }
  } else {
    if (f.iosEntitlement === true)
      return forged('android_with_ios_facts', 'an Android app cannot hold an iOS entitlement.', 'iosEntitlement');
    if (appleModel.test(f.model))
      return forged(
        'apple_model_on_android',
        `model "${f.model}" is an Apple device but the platform is Android.`,
        'model',
      );
    if (typeof f.securityPatch === 'string' && (parseIsoDate(f.securityPatch) ?? 0) > nowMs) {
      return forged('os_released_after_now', `security patch ${f.securityPatch} is in the future.`, 'securityPatch');
    }
  }
  return null;
}

export function isArmProcessor(cpuArch: string): boolean {
  return /^(arm|aarch64)/i.test(cpuArch.trim());
}

type IosReleaseLookup =
  | { kind: 'listed'; version: string; released: string; releasedMs: number }
  | { kind: 'newer_than_table' }
  | { kind: 'older_than_table' }
  | { kind: 'nonexistent' };

/** Finds the release an iOS version belongs to (rules in ios-releases.ts). */
export function lookupIosRelease(
  osVersion: string,
  releases: readonly IosRelease[] = defaultIosReleases,
): IosReleaseLookup {
  const sorted = releases
    .filter((r) => parseVersion(r.version) !== null && parseIsoDate(r.released) !== null)
    .slice()
    .sort((a, b) => compareVersions(a.version, b.version));
  const newest = sorted[sorted.length - 1];
  const oldest = sorted[0];
  if (!newest || !oldest) return { kind: 'newer_than_table' };
  if (compareVersions(osVersion, newest.version) > 0 && majorOf(osVersion) >= majorOf(newest.version)) {
    // Same major as the newest entry but a later minor (26.3), or a later major (27.0).
    return { kind: 'newer_than_table' };
  }
  if (compareVersions(osVersion, oldest.version) < 0) return { kind: 'older_than_table' };
  const major = majorOf(osVersion);
  let match: IosRelease | undefined;
  for (const r of sorted) if (majorOf(r.version) === major && compareVersions(r.version, osVersion) <= 0) match = r;
  if (!match) return { kind: 'nonexistent' };
  return {
    kind: 'listed',
    version: match.version,
    released: match.released,
    releasedMs: parseIsoDate(match.released) ?? 0,
  };
}

function majorOf(version: string): number {
  return parseVersion(version)?.[0] ?? 0;
}

type IphoneModel = { kind: 'supported' } | { kind: 'too_old' } | { kind: 'not_iphone' } | { kind: 'unknown' };

/**
 * Whether an Apple model is an iPhone XS or later. Accepts model identifiers (`iPhone11,2` = XS;
 * every identifier from `iPhone11,*` on is an XS, XS Max, XR or later) and marketing names
 * (`iPhone XS`, `iPhone XR`, `iPhone 11`…`iPhone 17 Pro Max`, `iPhone 16e`, `iPhone Air`,
 * `iPhone SE (2nd generation)` and later). iPads and iPods are not iPhones.
 */
export function classifyIphoneModel(model: string): IphoneModel {
  const m = model.trim().toLowerCase().replace(/\s+/g, ' ');
  if (/^(ipad|ipod)/.test(m)) return { kind: 'not_iphone' };
  const id = /^iphone(\d+),(\d+)$/.exec(m);
  if (id) return Number(id[1]) >= 11 ? { kind: 'supported' } : { kind: 'too_old' };
  if (/^iphone x[sr]( max)?$/.test(m)) return { kind: 'supported' };
  if (/^iphone x$/.test(m)) return { kind: 'too_old' };
  if (/^iphone air$/.test(m)) return { kind: 'supported' };
  const se = /^iphone se( .*)?$/.exec(m);
  if (se) {
    const gen = se[1]?.trim() ?? '';
    if (/^(\(?2nd generation\)?|\(?3rd generation\)?|2|3|\(?2020\)?|\(?2022\)?)$/.test(gen))
      return { kind: 'supported' };
    if (gen === '' || /^(\(?1st generation\)?|1|\(?2016\)?)$/.test(gen)) return { kind: 'too_old' };
    return { kind: 'unknown' };
  }
  const numbered = /^iphone (\d+)[a-z]*( .*)?$/.exec(m);
  if (numbered) {
    const n = Number(numbered[1]);
    if (n >= 11) return { kind: 'supported' };
    if (n <= 8) return { kind: 'too_old' };
  }
  if (/^iphone (3g|3gs)$/.test(m) || m === 'iphone') return { kind: 'too_old' };
  return { kind: 'unknown' };
}

/** Checks a phone against the Tap to Pay device requirements of its platform. */
export function checkDevice(input: DeviceFacts, options: CheckDeviceOptions): { ok: true } | DeviceRefusal {
  const valid = validateDeviceFacts(input);
  if (!valid.ok) return valid;
  const f = valid.facts;
  const releases = options.iosReleases ?? defaultIosReleases;
  const simulated = options.simulated ?? true;

  if (f.isEmulator) {
    return refuse(
      'TAP_TO_PAY_UNSUPPORTED_DEVICE',
      'emulator',
      'Tap to Pay does not run on emulators or simulators; the simulated reader needs a real phone too.',
      'isEmulator',
    );
  }
  const forged = checkConsistency(f, releases, options.nowMs);
  if (forged) return forged;
  return (
    (f.platform === 'ios' ? checkIphone(f, releases, options.nowMs) : checkAndroid(f, options.nowMs, simulated)) ?? {
      ok: true,
    }
  );
}

function checkTampering(f: DeviceFacts): Check {
  const what = f.platform === 'ios' ? 'jailbroken' : 'rooted';
  if (f.rooted) return refuse('TAP_TO_PAY_DEVICE_TAMPERED', 'rooted', `The device is ${what}.`, 'rooted');
  if (f.bootloaderUnlocked)
    return refuse(
      'TAP_TO_PAY_DEVICE_TAMPERED',
      'bootloader_unlocked',
      'The device bootloader is unlocked.',
      'bootloaderUnlocked',
    );
  if (f.modifiedOs)
    return refuse(
      'TAP_TO_PAY_DEVICE_TAMPERED',
      'modified_os',
      'The device does not run the unmodified operating system provided by its manufacturer.',
      'modifiedOs',
    );
  return null;
}

function checkCommonTail(f: DeviceFacts): Check {
  if (f.nfcEnabled === false)
    return refuse(
      'TAP_TO_PAY_NFC_DISABLED',
      'nfc_disabled',
      'NFC is turned off. Turn it on in the device settings and retry.',
      'nfcEnabled',
    );
  if (!f.internet)
    return refuse(
      'STRIPE_API_CONNECTION_ERROR',
      'no_internet',
      'Tap to Pay needs a stable internet connection.',
      'internet',
    );
  return null;
}

function checkIphone(f: DeviceFacts, releases: readonly IosRelease[], nowMs: number): Check {
  const model = classifyIphoneModel(f.model);
  if (model.kind === 'not_iphone')
    return refuse(
      'TAP_TO_PAY_UNSUPPORTED_DEVICE',
      'not_an_iphone',
      `Tap to Pay on iPhone needs an iPhone; "${f.model}" is not one.`,
      'model',
    );
  if (model.kind === 'too_old')
    return refuse(
      'TAP_TO_PAY_UNSUPPORTED_DEVICE',
      'iphone_too_old',
      `Tap to Pay needs an iPhone XS or later; "${f.model}" is older.`,
      'model',
    );
  if (model.kind === 'unknown')
    return refuse(
      'TAP_TO_PAY_UNSUPPORTED_DEVICE',
      'unknown_iphone_model',
      `Unknown iPhone model "${f.model}"; send a model identifier such as iPhone11,2.`,
      'model',
    );
  if (f.isBeta)
    return refuse('TAP_TO_PAY_UNSUPPORTED_OS_VERSION', 'os_beta', 'Tap to Pay does not work on iOS betas.', 'isBeta');
  const release = lookupIosRelease(f.osVersion, releases);
  if (release.kind === 'older_than_table') {
    return refuse(
      'TAP_TO_PAY_UNSUPPORTED_OS_VERSION',
      'os_too_old',
      `iOS ${f.osVersion} is too old: Tap to Pay needs an iOS version released within the last year.`,
      'osVersion',
    );
  }
  if (release.kind === 'listed') {
    const expires = addYearsMs(release.released, 1) ?? 0;
    if (nowMs >= expires) {
      return refuse(
        'TAP_TO_PAY_UNSUPPORTED_OS_VERSION',
        'os_too_old',
        `iOS ${f.osVersion} was released more than a year ago: Tap to Pay needs an iOS version released within the last year. Update iOS.`,
        'osVersion',
      );
    }
  }
  const tampered = checkTampering(f);
  if (tampered) return tampered;
  if (f.iosEntitlement !== true) {
    return refuse(
      'TAP_TO_PAY_MISSING_ENTITLEMENT',
      'missing_entitlement',
      `The app lacks the ${iosTapToPayEntitlement} entitlement.`,
      'iosEntitlement',
    );
  }
  if (f.passcodeSet !== true)
    return refuse(
      'TAP_TO_PAY_PASSCODE_NOT_ENABLED',
      'passcode_not_set',
      'Tap to Pay needs a device passcode. Set one in Settings and retry.',
      'passcodeSet',
    );
  return checkCommonTail(f);
}

function checkAndroid(f: DeviceFacts, nowMs: number, simulated: boolean): Check {
  if (!isArmProcessor(f.cpuArch))
    return refuse(
      'TAP_TO_PAY_UNSUPPORTED_PROCESSOR',
      'non_arm_cpu',
      `Tap to Pay needs an ARM processor; this device has ${f.cpuArch}.`,
      'cpuArch',
    );
  if (!f.hasNfc)
    return refuse(
      'TAP_TO_PAY_UNSUPPORTED_DEVICE',
      'no_nfc',
      'Tap to Pay needs a device with a working built-in NFC sensor.',
      'hasNfc',
    );
  if (f.isBeta)
    return refuse(
      'TAP_TO_PAY_UNSUPPORTED_ANDROID_VERSION',
      'os_beta',
      'Tap to Pay does not work on Android betas.',
      'isBeta',
    );
  if (majorOf(f.osVersion) < minimumAndroidVersion) {
    return refuse(
      'TAP_TO_PAY_UNSUPPORTED_ANDROID_VERSION',
      'os_too_old',
      `Tap to Pay needs Android ${minimumAndroidVersion} or later; this device runs Android ${f.osVersion}.`,
      'osVersion',
    );
  }
  if (typeof f.securityPatch === 'string' && nowMs >= (addYearsMs(f.securityPatch, 1) ?? 0)) {
    return refuse(
      'TAP_TO_PAY_UNSUPPORTED_ANDROID_VERSION',
      'security_patch_too_old',
      `Security patch ${f.securityPatch} is older than 12 months. Update the device.`,
      'securityPatch',
    );
  }
  const tampered = checkTampering(f);
  if (tampered) return tampered;
  if (f.gmsCertified !== true)
    return refuse('ATTESTATION_FAILURE', 'not_gms_certified', gmsAttestationMessage, 'gmsCertified');
  if ((f.hardwareKeystoreVersion ?? 0) < minimumHardwareKeystoreVersion) {
    return refuse(
      'TAP_TO_PAY_UNSUPPORTED_DEVICE',
      'hardware_keystore_unsupported',
      `Tap to Pay needs a hardware-backed keystore with ECDH (FEATURE_HARDWARE_KEYSTORE ≥ ${minimumHardwareKeystoreVersion}); this device reports ${f.hardwareKeystoreVersion ?? 'none'}.`,
      'hardwareKeystoreVersion',
    );
  }
  const tail = checkCommonTail(f);
  if (tail) return tail;
  if (!simulated && f.debuggable === true) {
    return refuse(
      'TAP_TO_PAY_DEBUG_NOT_SUPPORTED',
      'debuggable_app',
      'A debuggable app can only use the simulated Tap to Pay reader.',
      'debuggable',
    );
  }
  if (!simulated && f.developerOptions === true) {
    return refuse(
      'TAP_TO_PAY_INSECURE_ENVIRONMENT',
      'developer_options',
      'Developer options (USB or Wi-Fi debugging) are on; turn them off to use the Tap to Pay reader.',
      'developerOptions',
    );
  }
  return null;
}
