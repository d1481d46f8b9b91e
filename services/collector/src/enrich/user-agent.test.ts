import { describe, expect, it } from 'vitest';
import { parseUserAgent } from './user-agent.js';

const UA = {
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  edgeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
  firefoxMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:125.0) Gecko/20100101 Firefox/125.0',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  safariIpad:
    'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  chromeAndroidPhone:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
  chromebook:
    'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  samsungTv:
    'Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/4.0 Chrome/76.0.3809.146 TV Safari/537.36',
  playstation5:
    'Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0 Safari/605.1.15',
  xbox: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox One) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19041',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  googlebotSmartphone:
    'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  curl: 'curl/8.4.0',
};

describe('parseUserAgent', () => {
  it.each([
    ['Chrome on Windows', UA.chromeWindows, { browser: 'Chrome', browser_version: '124', os: 'Windows', device: 'desktop' }],
    ['Edge on Windows', UA.edgeWindows, { browser: 'Microsoft Edge', browser_version: '124', os: 'Windows', device: 'desktop' }],
    ['Firefox on a Mac', UA.firefoxMac, { browser: 'Firefox', browser_version: '125', os: 'macOS', device: 'desktop' }],
    ['Safari on an iPhone', UA.safariIphone, { browser: 'Safari', browser_version: '17', os: 'iOS', device: 'mobile' }],
    ['Safari on an iPad', UA.safariIpad, { browser: 'Safari', browser_version: '17', os: 'iOS', device: 'tablet' }],
    ['Chrome on an Android phone', UA.chromeAndroidPhone, { browser: 'Chrome', browser_version: '124', os: 'Android', device: 'mobile' }],
    ['Chrome on a Chromebook', UA.chromebook, { browser: 'Chrome', browser_version: '124', os: 'Chrome OS', device: 'desktop' }],
    ['a smart TV', UA.samsungTv, { os: 'Tizen', device: 'tv' }],
    ['a PlayStation', UA.playstation5, { device: 'console' }],
    ['an Xbox', UA.xbox, { device: 'console' }],
  ])('recognises %s as a human visitor', (_name, ua, expected) => {
    const info = parseUserAgent(ua);
    expect(info).toMatchObject({ ...expected, is_bot: false });
  });

  it.each([
    ['Googlebot', UA.googlebot],
    ['Googlebot smartphone, which looks like Chrome on Android', UA.googlebotSmartphone],
    ['curl', UA.curl],
  ])('flags %s as a bot with device "bot"', (_name, ua) => {
    expect(parseUserAgent(ua)).toMatchObject({ is_bot: true, device: 'bot' });
  });

  it('counts an empty user agent as a bot, since every real browser sends one', () => {
    expect(parseUserAgent('')).toEqual({ browser: '', browser_version: '', os: '', device: 'bot', is_bot: true });
  });

  it('returns the same (cached) object for a repeated user agent', () => {
    expect(parseUserAgent(UA.chromeWindows)).toBe(parseUserAgent(UA.chromeWindows));
  });

  it('keeps only the major version', () => {
    expect(parseUserAgent(UA.chromeAndroidPhone).browser_version).toBe('124');
  });

  it('judges an over-long user agent by its first 512 characters', () => {
    const padded = UA.chromeWindows + ' '.repeat(600);
    expect(parseUserAgent(padded + 'Googlebot/2.1')).toBe(parseUserAgent(padded));
    expect(parseUserAgent(padded + 'Googlebot/2.1')).toMatchObject({ browser: 'Chrome', is_bot: false });
  });

  it('never throws and keeps names bounded on hostile input', () => {
    const hostile = [
      ' ',
      '\u0000',
      '('.repeat(2048),
      'Mozilla/5.0 (' + ' '.repeat(2030) + ')',
      'x'.repeat(1500) + '/' + '9'.repeat(540),
      'Chrome/' + '1.'.repeat(1020),
      '\ud800'.repeat(100),
    ];
    for (const ua of hostile) {
      const info = parseUserAgent(ua);
      expect(info.browser.length).toBeLessThanOrEqual(64);
      expect(info.os.length).toBeLessThanOrEqual(64);
      expect(info.browser_version).toMatch(/^\d{0,6}$/);
    }
  });

  it('tolerates a non-string at run time (untyped callers) as an empty user agent', () => {
    expect(parseUserAgent(undefined as unknown as string)).toMatchObject({ is_bot: true });
  });
});
