// How a device is called wherever people see it (devices screen, health dashboard, alerts). The
// server names devices for every screen, so the rule lives here, beside the device payloads.

/** "Theo Technician" → "Theo's"; "Lars" → "Lars'". Empty or blank names have no possessive. */
export function possessive(ownerName: string): string | null {
  const first = ownerName.trim().split(/\s+/)[0];
  if (!first) return null;
  return /s$/i.test(first) ? `${first}'` : `${first}'s`;
}

export interface DeviceNaming {
  /** Chosen by a person on the devices screen; wins when set. */
  label: string | null;
  /** What the device reports itself to be ("Pixel 7", "Linux PC (Chrome)"); null if it never said. */
  deviceName: string | null;
  ownerName: string;
  deviceId: string;
}

/**
 * A name people can tell apart: the chosen label, else "Theo's Pixel 7" from the owner and what
 * the device reports, else the owner and the device id (its start, when long).
 */
export function friendlyDeviceName({ label, deviceName, ownerName, deviceId }: DeviceNaming): string {
  const chosen = label?.trim();
  if (chosen) return chosen;
  const owner = possessive(ownerName);
  const what = deviceName?.trim() || (deviceId.length > 12 ? `${deviceId.slice(0, 8)}…` : deviceId);
  return owner ? `${owner} ${what}` : what;
}
