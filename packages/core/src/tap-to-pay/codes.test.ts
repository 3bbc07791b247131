import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { tapToPayErrorCodes, tapToPayRefusal } from './codes.js';

const docs = readFileSync(new URL('../../../../docs/tap-to-pay.md', import.meta.url), 'utf8');

const reasons = [
  // device
  'invalid_fact',
  'missing_fact',
  'emulator',
  'ios_with_android_facts',
  'android_with_ios_facts',
  'apple_model_on_android',
  'non_apple_model_on_ios',
  'ios_on_non_arm_cpu',
  'iphone_without_nfc',
  'nfc_enabled_without_nfc',
  'ios_version_does_not_exist',
  'os_released_after_now',
  'not_an_iphone',
  'iphone_too_old',
  'unknown_iphone_model',
  'os_beta',
  'os_too_old',
  'security_patch_too_old',
  'non_arm_cpu',
  'no_nfc',
  'rooted',
  'bootloader_unlocked',
  'modified_os',
  'not_gms_certified',
  'hardware_keystore_unsupported',
  'missing_entitlement',
  'passcode_not_set',
  'nfc_disabled',
  'no_internet',
  'debuggable_app',
  'developer_options',
  // country
  'invalid_country',
  'invalid_platform',
  'puerto_rico_excluded',
  'country_not_available',
  'beta_opt_in_required',
  // cards
  'brand_not_accepted',
  'brand_not_accepted_in_country',
  'wallet_not_supported',
  // cvm
  'currency_not_local',
  'sca_requires_card_insertion',
  'offline_pin_only_card',
  'pin_not_supported_in_market',
  'pin_requires_newer_ios',
  'pin_requires_newer_sdk',
  // PIN environment
  'accessibility_services',
  'screen_recording',
  'overlays',
  'screenshot_attempt',
];

void describe('error code catalogue', () => {
  for (const code of Object.keys(tapToPayErrorCodes)) {
    void it(`${code} is documented in docs/tap-to-pay.md`, () => assert.ok(docs.includes(`\`${code}\``)));
  }
  void it('every refusal reason is documented', () => {
    const missing = reasons.filter((r) => !new RegExp(`[\`']${r}[\`']`).test(docs));
    assert.deepEqual(missing, []);
  });
  void it('tapToPayRefusal builds the value shape', () => {
    assert.deepEqual(tapToPayRefusal('TAP_TO_PAY_NFC_DISABLED', 'nfc_disabled', 'NFC is off.'), {
      ok: false,
      code: 'TAP_TO_PAY_NFC_DISABLED',
      reason: 'nfc_disabled',
      message: 'NFC is off.',
    });
  });
});
