// What this browser reports as its device ("Pixel 7", "iPhone", "Linux PC (Chrome)"); the server
// adds the owner ("Theo's Pixel 7", packages/schema friendlyDeviceName).

/**
 * `model` is Chromium's high-entropy hint (userAgentData), the only source of the phone model
 * once the user-agent string is reduced ("Android 10; K"); older strings still name it.
 */
export function deviceModel(userAgent: string, model = ""): string {
  if (/iPad/.test(userAgent)) return "iPad";
  if (/iPhone/.test(userAgent)) return "iPhone";
  if (/Android/.test(userAgent)) {
    const named = model.trim() || /Android [\d.]+; ([^;)]+?)(?: Build\/[^;)]*)?\)/.exec(userAgent)?.[1]?.trim();
    if (named && named !== "K") return named;
    return /Mobile/.test(userAgent) ? "Android phone" : "Android tablet";
  }
  const browser = /Edg\//.test(userAgent) ? "Edge" : /Firefox\//.test(userAgent) ? "Firefox" : /Chrom(e|ium)\//.test(userAgent) ? "Chrome" : /Safari\//.test(userAgent) ? "Safari" : null;
  const computer = /CrOS/.test(userAgent) ? "Chromebook" : /Windows/.test(userAgent) ? "Windows PC" : /Mac OS/.test(userAgent) ? "Mac" : /Linux/.test(userAgent) ? "Linux PC" : "computer";
  return browser ? `${computer} (${browser})` : computer;
}

/** This browser's model, asking Chromium for the hint where it has one. */
export async function thisDeviceModel(): Promise<string> {
  const hints = (navigator as { userAgentData?: { getHighEntropyValues(keys: string[]): Promise<{ model?: string }> } }).userAgentData;
  const model = await hints?.getHighEntropyValues(["model"]).then((values) => values.model, () => undefined);
  return deviceModel(navigator.userAgent, model);
}
