import { expect, test } from "vitest";
import { deviceModel } from "./device-model.ts";

const pixel = "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
const reduced = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

test("phones by model: from the hint, else from an unreduced user agent", () => {
  expect(deviceModel(pixel)).toBe("Pixel 7");
  expect(deviceModel(reduced, "SM-S918B")).toBe("SM-S918B");
  expect(deviceModel("Mozilla/5.0 (Linux; Android 9; SM-G960F Build/PPR1.180610.011) AppleWebKit/537.36 Chrome/74.0 Mobile Safari/537.36")).toBe("SM-G960F");
  expect(deviceModel("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Version/17.4 Mobile/15E148 Safari/604.1")).toBe("iPhone");
});

test("a reduced Android user agent without a hint: phone or tablet", () => {
  expect(deviceModel(reduced)).toBe("Android phone");
  expect(deviceModel(reduced.replace("Mobile ", ""))).toBe("Android tablet");
});

test("computers by kind and browser", () => {
  expect(deviceModel("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36")).toBe("Linux PC (Chrome)");
  expect(deviceModel("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0")).toBe("Windows PC (Edge)");
  expect(deviceModel("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0")).toBe("Mac (Firefox)");
  expect(deviceModel("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 Chrome/131.0 Safari/537.36")).toBe("Chromebook (Chrome)");
});
