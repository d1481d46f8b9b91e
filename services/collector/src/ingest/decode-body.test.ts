import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '@spur/protocol';
import { HttpError } from '../errors.js';
import { decodeBody } from './decode-body.js';

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
