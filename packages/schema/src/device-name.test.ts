import { expect, test } from "vitest";
import { friendlyDeviceName, possessive } from "./device-name.ts";

const device = { label: null, deviceName: "Pixel 7", ownerName: "Theo Technician", deviceId: "dev-28f2e196-4b1c" };

test("the owner's first name and what the device reports", () => {
  expect(friendlyDeviceName(device)).toBe("Theo's Pixel 7");
  expect(friendlyDeviceName({ ...device, ownerName: "Lars Nilsson", deviceName: "iPhone" })).toBe("Lars' iPhone");
});

test("a chosen label wins; a blank one does not count", () => {
  expect(friendlyDeviceName({ ...device, label: "Van tablet" })).toBe("Van tablet");
  expect(friendlyDeviceName({ ...device, label: "  " })).toBe("Theo's Pixel 7");
});

test("a device that never said what it is: its id, shortened when long", () => {
  expect(friendlyDeviceName({ ...device, deviceName: null })).toBe("Theo's dev-28f2…");
  expect(friendlyDeviceName({ ...device, deviceName: null, deviceId: "nw-tablet" })).toBe("Theo's nw-tablet");
  expect(friendlyDeviceName({ ...device, deviceName: null, ownerName: " " })).toBe("dev-28f2…");
});

test("possessive of blank names is null", () => {
  expect(possessive("")).toBeNull();
  expect(possessive("Ada Admin")).toBe("Ada's");
});
