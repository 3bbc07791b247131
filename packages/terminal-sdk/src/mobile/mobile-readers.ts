/**
 * Simulated Bluetooth and USB readers (docs/tap-to-pay-sdk.md, "Every reader kind"): the Stripe
 * M2, BBPOS Chipper 2X BT and WisePad 3, found by `bluetoothScan`/`bluetoothProximity` (and `usb`,
 * which also finds the Stripe Reader S700, as React Native allows USB for it). What lives beside
 * the SDK is what a real reader tells its phone: battery, charging, firmware
 * (`deviceSoftwareVersion`) and software updates. Reading cards is the server's simulated reader at
 * the connection's Location (server-readers.ts), the one reader device logic of every reader.
 *
 * Deterministic: battery and updates follow `simulateReaderUpdate` and the options, never chance
 * (React Native's `random` picks `available`, documented in docs/decisions.md).
 */
import type { SimulateUpdateType, SoftwareUpdate } from './rn-types.js';
import type { DeviceType, Reader } from './types.js';

export type MobileDiscovery = 'bluetoothScan' | 'bluetoothProximity' | 'usb';

interface Model { deviceType: DeviceType; serialPrefix: string; firmware: string; label: string }

const models: readonly Model[] = [
  { deviceType: 'stripeM2', serialPrefix: 'STRM2', firmware: '2.01.00.17-SZZZ_Generic_v45-300001', label: 'Stripe M2' },
  { deviceType: 'chipper2X', serialPrefix: 'CHB20', firmware: '1.00.03.34-SZZZ_Generic_v45-300001', label: 'BBPOS Chipper 2X BT' },
  { deviceType: 'wisePad3', serialPrefix: 'WPC32', firmware: '1.00.05.25-SZZZ_Generic_v45-300001', label: 'BBPOS WisePad 3' },
];
const s700: Model = { deviceType: 'stripeS700', serialPrefix: 'STRS7', firmware: '2.27.7.0', label: 'Stripe Reader S700' };

/** The firmware an update installs. */
export const updatedFirmwareSuffix = '-updated';

/** The readers a discovery finds: Bluetooth proximity finds one (the reader held close), a scan all three, USB the cabled ones. */
export function discoverMobileReaders(method: MobileDiscovery, simulated: boolean): Reader[] {
  const found = method === 'bluetoothProximity' ? models.slice(0, 1) : method === 'usb' ? [...models, s700] : [...models];
  return found.map((model, index) => ({
    id: `${model.serialPrefix}${simulated ? 'SIM' : ''}${String(index + 1).padStart(5, '0')}`,
    serialNumber: `${model.serialPrefix}${simulated ? 'SIM' : ''}${String(index + 1).padStart(5, '0')}`,
    deviceType: model.deviceType, simulated, label: model.label, locationStatus: 'notSet', status: 'online',
    deviceSoftwareVersion: model.firmware, firmwareVersion: model.firmware, batteryLevel: 0.8, batteryStatus: 'nominal', isCharging: 0,
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
  const required = kind === 'required' || kind === 'requiredForOffline' || kind === 'lowBattery' || kind === 'lowBatterySucceedConnect';
  return {
    deviceSoftwareVersion: version, estimatedUpdateTime: 'estimateLessThan1Minute',
    ...(required ? { requiredAt: new Date(nowMs).toISOString() } : { requiredAt: new Date(nowMs + 7 * 86_400_000).toISOString() }),
  };
}
