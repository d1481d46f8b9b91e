import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '@spur/protocol';
import { HttpError } from '../errors.js';
import { decodeBody, utf8Text } from './decode-body.js';

async function refusal(text: string): Promise<HttpError> {
  const error = await decodeBody(Buffer.from(text), undefined).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(HttpError);
  return error as HttpError;
}

describe('decodeBody', () => {
  it('parses plain and gzipped JSON', async () => {
    expect(await decodeBody(Buffer.from('{"a":[1,"ü"]}'), undefined)).toEqual({ a: [1, 'ü'] });
    expect(await decodeBody(gzipSync('{"a":1}'), 'gzip')).toEqual({ a: 1 });
  });

  it('refuses prototype keys however they are spelled', async () => {
    for (const text of [
      '{"__proto__":{"x":1}}',
      '{"a":{"__proto__":{"x":1}}}',
      '{"\\u005f\\u005fproto\\u005f\\u005f":{"x":1}}',
      '{"a":[{"constructor":{"prototype":{"x":1}}}]}',
      '{"\\u0063onstructor":{"prototype":{"x":1}}}',
    ]) {
      const error = await refusal(text);
      expect([error.status, error.code]).toEqual([400, ERROR_CODES.invalidJson]);
    }
  });

  it('keeps the words themselves where they are only values', async () => {
    expect(await decodeBody(Buffer.from('{"q":"__proto__ constructor \\u00fc"}'), undefined)).toEqual({ q: '__proto__ constructor ü' });
  });

  it('answers broken JSON with invalid_json', async () => {
    expect((await refusal('{"a":')).code).toBe(ERROR_CODES.invalidJson);
  });
});

describe('utf8Text', () => {
  it('reads valid UTF-8 exactly as Buffer#toString does: ASCII, umlauts, emoji, a BOM, noncharacters', () => {
    for (const text of ['{"a":1}', '', 'Schuhe für Damen — 20 % Rabatt', 'ä€😀\ufffe\uffff\u0000x', '\ufeff{}', 'a\ufeffb']) {
      const bytes = Buffer.from(text, 'utf8');
      expect(utf8Text(bytes)).toBe(bytes.toString('utf8'));
      expect(utf8Text(bytes)).toBe(text);
    }
  });

  it('agrees with Buffer#toString on random text of every UTF-8 length class', () => {
    let seed = 1;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let n = 0; n < 2000; n++) {
      let text = '';
      for (let k = 0; k < 1 + random() * 40; k++) {
        const r = random();
        const cp = r < 0.4 ? random() * 0x80 : r < 0.7 ? random() * 0x800 : r < 0.9 ? random() * 0x10000 : 0x10000 + random() * 0xfffff;
        text += String.fromCodePoint(cp >= 0xd800 && cp < 0xe000 ? 0x41 : Math.floor(cp));
      }
      const bytes = Buffer.from(text, 'utf8');
      expect(utf8Text(bytes)).toBe(text);
    }
  });

  it('replaces invalid UTF-8 as Buffer#toString does', () => {
    for (const bytes of [[0x61, 0xc3], [0xff, 0x61], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xe2, 0x82, 0x61], [0xf4, 0x90, 0x80, 0x80]]) {
      const buffer = Buffer.from(bytes);
      expect(utf8Text(buffer)).toBe(buffer.toString('utf8'));
    }
  });
});
