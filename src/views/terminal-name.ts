// Order matters: many browsers also claim to be Chrome and Safari.
const BROWSERS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\b(?:OPR|OPiOS|Opera)\//, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bVivaldi\//, 'Vivaldi'],
  [/\bYaBrowser\//, 'Yandex Browser'],
  [/\b(?:Firefox|FxiOS)\//, 'Firefox'],
  [/\bChromium\//, 'Chromium'],
  [/\b(?:Chrome|CriOS)\//, 'Chrome'],
];

const SYSTEMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\biPhone\b/, 'iPhone'],
  [/\biPad\b/, 'iPad'],
  [/\biPod\b/, 'iPod'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMacintosh\b|\bMac OS X\b/, 'macOS'],
  [/\bLinux\b|\bX11\b/, 'Linux'],
];

function detectBrowser(ua: string): string | undefined {
  for (const [pattern, name] of BROWSERS) if (pattern.test(ua)) return name;
  // Safari says "Version/x ... Safari/y"; in-app web views on iOS leave out one of them.
  if (/\bVersion\/\d/.test(ua) && /\bSafari\//.test(ua)) return 'Safari';
  return undefined;
}

function detectSystem(ua: string): string | undefined {
  for (const [pattern, name] of SYSTEMS) if (pattern.test(ua)) return name;
  return undefined;
}

/**
 * A readable default for the terminal name from a User-Agent header, such as
 * "Chrome on Linux" or "Safari on iPhone"; "This browser" when nothing is recognised.
 */
export function suggestTerminalName(userAgent: string | undefined): string {
  if (typeof userAgent !== 'string' || userAgent === '') return 'This browser';
  const ua = userAgent.slice(0, 512);
  const browser = detectBrowser(ua);
  const system = detectSystem(ua);
  if (browser !== undefined && system !== undefined) return `${browser} on ${system}`;
  if (browser !== undefined) return browser;
  if (system !== undefined) return `Browser on ${system}`;
  return 'This browser';
}
