/** The phone the Tap to Pay benches pay with: a healthy, up-to-date Android phone with NFC. */
export const androidPhone = Object.freeze({
  platform: 'android',
  osVersion: '15',
  isBeta: false,
  model: 'Pixel 8',
  hasNfc: true,
  cpuArch: 'arm64-v8a',
  rooted: false,
  bootloaderUnlocked: false,
  modifiedOs: false,
  isEmulator: false,
  gmsCertified: true,
  hardwareKeystoreVersion: 300,
  internet: true,
  sdkVersion: '5.0.0',
});
