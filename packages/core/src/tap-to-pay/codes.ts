/**
 * Every code a Tap to Pay rule can refuse with. Codes that exist in the mobile SDKs' `ErrorCode`
 * vocabulary (React Native / Android `TerminalErrorCode`) keep their exact spelling; the few that
 * OpenTill adds follow the same `TAP_TO_PAY_*` style and name the native equivalent in `native`.
 * A refusal always carries one of these codes plus a machine-readable `reason` that tells apart
 * refusals sharing a code (for instance the several `TAP_TO_PAY_UNSUPPORTED_DEVICE` causes).
 */
export const tapToPayErrorCodes = {
  INVALID_REQUIRED_PARAMETER: {
    sdk: true,
    native: 'Android/RN INVALID_REQUIRED_PARAMETER; iOS SCPErrorInvalidRequiredParameter (1920)',
    when: 'a device fact, country or UX configuration value is missing or malformed',
  },
  TAP_TO_PAY_INCONSISTENT_DEVICE_FACTS: {
    sdk: false,
    native: 'none (a real SDK reads the facts itself)',
    when: 'the presented device facts contradict each other (forged)',
  },
  TAP_TO_PAY_UNSUPPORTED_DEVICE: {
    sdk: true,
    native: 'Android TAP_TO_PAY_UNSUPPORTED_DEVICE; iOS SCPErrorUnsupportedMobileDeviceConfiguration (2910)',
    when: 'emulator, iPad, iPhone older than XS, no NFC, hardware keystore < 100',
  },
  TAP_TO_PAY_UNSUPPORTED_PROCESSOR: {
    sdk: true,
    native: 'Android TAP_TO_PAY_UNSUPPORTED_PROCESSOR',
    when: 'not an ARM CPU',
  },
  TAP_TO_PAY_UNSUPPORTED_ANDROID_VERSION: {
    sdk: true,
    native: 'Android TAP_TO_PAY_UNSUPPORTED_ANDROID_VERSION',
    when: 'Android < 13, an Android beta, or a security patch older than 12 months',
  },
  TAP_TO_PAY_UNSUPPORTED_OS_VERSION: {
    sdk: false,
    native: 'iOS SCPErrorUnsupportedMobileDeviceConfiguration (2910), RN UNSUPPORTED_OPERATION',
    when: 'an iOS version not released within the last year, an unknown old iOS, or an iOS beta',
  },
  TAP_TO_PAY_DEVICE_TAMPERED: {
    sdk: true,
    native: 'Android TAP_TO_PAY_DEVICE_TAMPERED',
    when: 'rooted / jailbroken, unlocked bootloader, modified OS',
  },
  ATTESTATION_FAILURE: {
    sdk: false,
    native: 'message text "ATTESTATION_FAILURE: …" of the Android connect failure',
    when: 'Android device not Google Mobile Services (GMS) certified',
  },
  TAP_TO_PAY_MISSING_ENTITLEMENT: {
    sdk: false,
    native: 'iOS SCPErrorCommandNotAllowed (2900), RN UNSUPPORTED_OPERATION',
    when: 'iOS app without the com.apple.developer.proximity-reader.payment.acceptance entitlement',
  },
  TAP_TO_PAY_PASSCODE_NOT_ENABLED: {
    sdk: false,
    native: 'iOS SCPErrorPasscodeNotEnabled (2920), RN UNSUPPORTED_OPERATION',
    when: 'iPhone without a passcode',
  },
  TAP_TO_PAY_NFC_DISABLED: {
    sdk: true,
    native: 'Android TAP_TO_PAY_NFC_DISABLED; iOS SCPErrorNFCDisabled (3100)',
    when: 'NFC present but turned off',
  },
  STRIPE_API_CONNECTION_ERROR: {
    sdk: true,
    native: 'Android/RN STRIPE_API_CONNECTION_ERROR; iOS SCPErrorNotConnectedToInternet (9000)',
    when: 'the phone reports no internet connection',
  },
  TAP_TO_PAY_DEBUG_NOT_SUPPORTED: {
    sdk: true,
    native: 'Android TAP_TO_PAY_DEBUG_NOT_SUPPORTED',
    when: 'debuggable app with the real (non-simulated) reader',
  },
  TAP_TO_PAY_INSECURE_ENVIRONMENT: {
    sdk: true,
    native: 'Android TAP_TO_PAY_INSECURE_ENVIRONMENT',
    when: 'developer options on with the real reader at connect; any insecure condition at PIN entry',
  },
  TAP_TO_PAY_UNSUPPORTED_COUNTRY: {
    sdk: false,
    native: 'none (Stripe refuses the Location)',
    when: 'the Location country has no Tap to Pay for the platform (Puerto Rico included)',
  },
  TAP_TO_PAY_COUNTRY_BETA_NOT_ENABLED: {
    sdk: false,
    native: 'none (public beta needs Stripe enrolment)',
    when: 'a public-beta country without the explicit opt-in',
  },
  CARD_NOT_SUPPORTED: {
    sdk: true,
    native: 'iOS SCPErrorCardNotSupported (6510); decline_code card_not_supported',
    when: 'a brand or wallet Tap to Pay does not accept on that platform / in that country',
  },
} as const;

export type TapToPayErrorCode = keyof typeof tapToPayErrorCodes;

/** A refused Tap to Pay check. `reason` is stable and documented in docs/tap-to-pay.md. */
export interface TapToPayRefusal<C extends TapToPayErrorCode = TapToPayErrorCode, R extends string = string> {
  ok: false;
  code: C;
  reason: R;
  message: string;
}

export function tapToPayRefusal<C extends TapToPayErrorCode, R extends string>(
  code: C,
  reason: R,
  message: string,
): TapToPayRefusal<C, R> {
  return { ok: false, code, reason, message };
}
