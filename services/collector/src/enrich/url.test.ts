import { describe, expect, it } from 'vitest';
import { CLICK_ID_PARAMS, createUrlCleaner, DEFAULT_STRIP_PARAMS, MAX_UTM_LENGTH, referrerHost, URL_CACHE_SIZE } from './url.js';

const clean = createUrlCleaner();

describe('createUrlCleaner', () => {
  it('splits a URL into url, hostname and path', () => {
    expect(clean('https://Shop.Example.com:8443/de/Schuhe?color=red')).toMatchObject({
      url: 'https://shop.example.com:8443/de/Schuhe?color=red',
      hostname: 'shop.example.com',
      path: '/de/Schuhe',
    });
  });

  it('keeps "www." in the hostname', () => {
    expect(clean('https://www.example.com/').hostname).toBe('www.example.com');
  });

  it('strips every default parameter, whatever its case, and keeps the others in order', () => {
    for (const name of DEFAULT_STRIP_PARAMS) {
      expect(clean(`https://example.com/p?a=1&${name.toUpperCase()}=secret&b=2`).url).toBe('https://example.com/p?a=1&b=2');
    }
  });

  it('strips a parameter whose name is percent-encoded or has no value', () => {
    expect(clean('https://example.com/?e%6Dail=a%40b.de&token&x=1').url).toBe('https://example.com/?x=1');
  });

  it('drops the "?" when every parameter was stripped', () => {
    expect(clean('https://example.com/reset?email=a%40b.de&token=abc').url).toBe('https://example.com/reset');
  });

  it('keeps the encoding of the parameters it keeps', () => {
    expect(clean('https://example.com/s?q=rote+Schuhe&size=42%2F43').url).toBe('https://example.com/s?q=rote+Schuhe&size=42%2F43');
  });

  it('strips the parameters the collector config adds', () => {
    const cleanWithExtras = createUrlCleaner(['Customer_No']);
    expect(cleanWithExtras('https://example.com/?customer_no=123&page=2').url).toBe('https://example.com/?page=2');
  });

  it('drops user info from the URL', () => {
    expect(clean('https://alice:hunter2@example.com/account').url).toBe('https://example.com/account');
  });

  describe('click ids', () => {
    it.each(CLICK_ID_PARAMS)('notes %s by name and strips its value', (name) => {
      const parts = clean(`https://example.com/landing?${name}=Cj0KCQiA-secret-value&ref=ad`);
      expect(parts.click_id).toBe(name);
      expect(parts.url).toBe('https://example.com/landing?ref=ad');
    });

    it('reports the highest-priority click id when several are present', () => {
      expect(clean('https://example.com/?fbclid=a&gclid=b').click_id).toBe('gclid');
    });

    it("is '' when there is none", () => {
      expect(clean('https://example.com/?q=1').click_id).toBe('');
    });
  });

  describe('UTM parameters', () => {
    it('are extracted decoded and kept in the URL', () => {
      const raw =
        'https://example.com/?utm_source=Newsletter&utm_medium=email&utm_campaign=Sommer+Sale%202024&utm_term=schuhe&utm_content=%20header%20';
      expect(clean(raw)).toMatchObject({
        url: raw,
        utm_source: 'Newsletter',
        utm_medium: 'email',
        utm_campaign: 'Sommer Sale 2024',
        utm_term: 'schuhe',
        utm_content: 'header',
      });
    });

    it("are '' when absent", () => {
      expect(clean('https://example.com/')).toMatchObject({
        utm_source: '',
        utm_medium: '',
        utm_campaign: '',
        utm_term: '',
        utm_content: '',
      });
    });

    it('match their names case-insensitively and take the first non-empty value', () => {
      expect(clean('https://example.com/?UTM_Source=&utm_source=google&utm_source=bing').utm_source).toBe('google');
    });

    it('are cut to MAX_UTM_LENGTH characters', () => {
      expect(clean(`https://example.com/?utm_campaign=${'x'.repeat(1000)}`).utm_campaign).toHaveLength(MAX_UTM_LENGTH);
    });

    it('keep a malformed escape as it is', () => {
      expect(clean('https://example.com/?utm_source=100%25&utm_medium=50%').utm_medium).toBe('50%');
    });
  });

  describe('fragment', () => {
    it('is kept when it carries no stripped parameter', () => {
      expect(clean('https://example.com/p#reviews').url).toBe('https://example.com/p#reviews');
      expect(clean('https://example.com/p#tab=2').url).toBe('https://example.com/p#tab=2');
    });

    it('is dropped when it carries a stripped parameter (OAuth implicit flow, hash routers)', () => {
      expect(clean('https://example.com/cb#state=x&access_token=abc').url).toBe('https://example.com/cb');
      expect(clean('https://example.com/#/reset?Token=abc').url).toBe('https://example.com/');
    });
  });

  describe('input it cannot use', () => {
    it.each([
      ['an empty string', ''],
      ['a relative URL', '/cart'],
      ['garbage', 'http://exa mple.com:99999/'],
      ['a non-http scheme', 'javascript:alert(document.cookie)'],
    ])('yields empty parts for %s', (_name, raw) => {
      expect(clean(raw)).toMatchObject({ url: '', hostname: '', path: '', click_id: '' });
    });

    it('never throws on hostile input', () => {
      const hostile = [
        'https://example.com/?' + '&'.repeat(2000),
        'https://example.com/?' + '='.repeat(2000),
        'https://example.com/?' + 'a=%'.repeat(600),
        'https://example.com/#' + '=&'.repeat(1000),
        'https://example.com/?utm_source=' + '\ud83d\ude00'.repeat(500),
        'https://example.com/?%ZZ=1&%E0%A4%A=2',
        '\u0000',
      ];
      for (const raw of hostile) expect(() => clean(raw)).not.toThrow();
    });

    it('does not split a surrogate pair when cutting a UTM value', () => {
      const value = clean('https://example.com/?utm_term=x' + '\ud83d\ude00'.repeat(200)).utm_term;
      expect(value).toBe('x' + '\ud83d\ude00'.repeat((MAX_UTM_LENGTH - 2) / 2));
    });
  });
});

describe('referrerHost', () => {
  it.each([
    ['https://WWW.Google.DE/search?q=schuhe', 'www.google.de'],
    ['https://example.com./page', 'example.com'],
    ['android-app://com.google.android.gm/', 'com.google.android.gm'],
    ['', ''],
    [undefined, ''],
    ['not a url', ''],
  ])('%s → %s', (referrer, expected) => {
    expect(referrerHost(referrer)).toBe(expected);
  });
});

describe('a URL cleaner over a run of events', () => {
  it('answers a repeated URL from its last result and every new one afresh', () => {
    const cleaner = createUrlCleaner(['ref']);
    const urls = ['https://shop.example/a?utm_source=x&ref=1', 'https://shop.example/a?utm_source=x&ref=1', 'https://shop.example/b?email=a@b.c', 'not a url', 'https://shop.example/a?utm_source=x&ref=1'];
    const fresh = urls.map((u) => createUrlCleaner(['ref'])(u));
    expect(urls.map((u) => cleaner(u))).toEqual(fresh);
    expect(cleaner(urls[0]!)).toBe(cleaner(urls[1]!)); // the same parts, not parsed again
    expect(fresh.map((p) => p.url)).toEqual(['https://shop.example/a?utm_source=x', 'https://shop.example/a?utm_source=x', 'https://shop.example/b', '', 'https://shop.example/a?utm_source=x']);
  });

  it('remembers recent URLs without a query or fragment, and only those (their parameters may hold secrets)', () => {
    const cleaner = createUrlCleaner();
    const plain = 'https://shop.example/p/sku-1';
    const withQuery = 'https://shop.example/reset?token=abc&page=2';
    const withFragment = 'https://shop.example/#access_token=abc';
    const first = [plain, withQuery, withFragment].map((u) => cleaner(u));
    cleaner('https://shop.example/other'); // the last URL is someone else's now
    expect(cleaner(plain)).toBe(first[0]);
    expect(cleaner(withQuery)).not.toBe(first[1]);
    expect(cleaner(withQuery)).toEqual(first[1]);
    cleaner(plain);
    expect(cleaner(withFragment)).not.toBe(first[2]);
    expect(first.map((p) => p.url)).toEqual(['https://shop.example/p/sku-1', 'https://shop.example/reset?page=2', 'https://shop.example/']);
  });

  it(`forgets the least recently used URL beyond ${URL_CACHE_SIZE}`, () => {
    const cleaner = createUrlCleaner();
    const url = (i: number) => `https://shop.example/p/${i}`;
    const first = cleaner(url(0));
    for (let i = 1; i < URL_CACHE_SIZE; i++) cleaner(url(i));
    expect(cleaner(url(0))).toBe(first); // still held, and now the most recent
    for (let i = URL_CACHE_SIZE; i < 2 * URL_CACHE_SIZE; i++) cleaner(url(i));
    expect(cleaner(url(0))).not.toBe(first);
    expect(cleaner(url(0))).toEqual(first);
  });
});
