/**
 * Simulated Bluetooth and USB readers (docs/tap-to-pay-sdk.md, "Every reader kind"): the Stripe
 * M2, BBPOS Chipper 2X BT and WisePad 3, found by `bluetoothScan`/`bluetoothProximity` (and `usb`,
 * which also finds the Stripe Reader S700, as React Native allows USB for it). What lives beside
 * the SDK is what a real reader tells its phone: battery, charging, firmware
 * (`deviceSoftwareVersion`) and software updates, and the reader device itself: the one reader device
 * state machine of every reader runs beside the SDK and reads the cards (sdk-device.ts), registered
 * on the server at the connection's Location as the reader it is (`stripe_m2`, …).
 *
 * Deterministic: battery and updates follow `simulateReaderUpdate` and the options, never chance
 * (React Native's `random` picks `available`, documented in docs/decisions.md).
 */
import type { Personality } from '@opentill/reader-device';
import type { SimulateUpdateType, SoftwareUpdate } from './rn-types.js';
import type { DeviceType, Reader } from './types.js';

export type MobileDiscovery = 'bluetoothScan' | 'bluetoothProximity' | 'usb';

interface Model {
  deviceType: DeviceType;
  serialPrefix: string;
  firmware: string;
  label: string;
  /** The server's `device_type` and the device's personality (`@opentill/reader-device`). */
  wireType: 'stripe_m2' | 'bbpos_chipper2x' | 'bbpos_wisepad3' | 'stripe_s700';
  personality: Personality;
}

const models: readonly Model[] = [
  {
    deviceType: 'stripeM2',
    serialPrefix: 'STRM2',
    firmware: '2.01.00.17-SZZZ_Generic_v45-300001',
    label: 'Stripe M2',
    wireType: 'stripe_m2',
    personality: 'stripe_m2',
  },
  {
    deviceType: 'chipper2X',
    serialPrefix: 'CHB20',
    firmware: '1.00.03.34-SZZZ_Generic_v45-300001',
    label: 'BBPOS Chipper 2X BT',
    wireType: 'bbpos_chipper2x',
    personality: 'chipper_2x',
  },
  {
    deviceType: 'wisePad3',
    serialPrefix: 'WPC32',
    firmware: '1.00.05.25-SZZZ_Generic_v45-300001',
    label: 'BBPOS WisePad 3',
    wireType: 'bbpos_wisepad3',
    personality: 'wisepad_3',
  },
];
const s700: Model = {
  deviceType: 'stripeS700',
  serialPrefix: 'STRS7',
  firmware: '2.27.7.0',
  label: 'Stripe Reader S700',
  wireType: 'stripe_s700',
  personality: 's700',
};

/** The model of a discovered Bluetooth/USB reader. */
export function modelOf(deviceType: DeviceType): Model | undefined {
  return [...models, s700].find((model) => model.deviceType === deviceType);
}

/** The firmware an update installs. */
export const updatedFirmwareSuffix = '-updated';

/**
 * The readers a discovery finds: Bluetooth proximity finds one (the reader held close), a scan all
 * three, USB the cabled ones. A simulated reader's serial number names the app installation it
 * lives beside, so two phones of one account never share (and take over) one simulated M2.
 */
export function discoverMobileReaders(method: MobileDiscovery, simulated: boolean, installationId = ''): Reader[] {
  const found =
    method === 'bluetoothProximity' ? models.slice(0, 1) : method === 'usb' ? [...models, s700] : [...models];
  const beside = simulated && installationId !== '' ? `-${installationId}` : '';
  return found.map((model, index) => ({
    id: `${model.serialPrefix}${simulated ? 'SIM' : ''}${String(index + 1).padStart(5, '0')}${beside}`,
    serialNumber: `${model.serialPrefix}${simulated ? 'SIM' : ''}${String(index + 1).padStart(5, '0')}${beside}`,
    deviceType: model.deviceType,
    simulated,
    label: model.label,
    locationStatus: 'notSet',
    status: 'online',
    deviceSoftwareVersion: model.firmware,
    firmwareVersion: model.firmware,
    batteryLevel: 0.8,
    batteryStatus: 'nominal',
    isCharging: 0,
  }));
}

export function isMobileDiscovery(method: unknown): method is MobileDiscovery {
  return method === 'bluetoothScan' || method === 'bluetoothProximity' || method === 'usb';
}

/** Battery status from a level, as the Bluetooth readers report it. */
export function batteryStatusOf(level: number): Reader['batteryStatus'] {
  return level < 0.05 ? 'critical' : level < 0.2 ? 'low' : 'nominal';
}

/** The update `simulateReaderUpdate` asks for, on a reader with this firmware (null: none). */
export function updateFor(kind: SimulateUpdateType, firmware: string, nowMs: number): SoftwareUpdate | null {
  if (kind === 'none') return null;
  const version = firmware.endsWith(updatedFirmwareSuffix) ? null : `${firmware}${updatedFirmwareSuffix}`;
  if (version === null) return null;
  const required =
    kind === 'required' ||
    kind === 'requiredForOffline' ||
    kind === 'lowBattery' ||
    kind === 'lowBatterySucceedConnect';
  return {
    deviceSoftwareVersion: version,
    estimatedUpdateTime: 'estimateLessThan1Minute',
    ...(required
      ? { requiredAt: new Date(nowMs).toISOString() }
      : { requiredAt: new Date(nowMs + 7 * 86_400_000).toISOString() }),
  };
}
