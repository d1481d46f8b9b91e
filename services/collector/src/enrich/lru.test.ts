import { describe, expect, it } from 'vitest';
import { LruCache } from './lru.js';

describe('LruCache', () => {
  it('returns what was stored and undefined for unknown keys', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    expect(cache.get('a')).toBe(1);
    expect(cache.get('b')).toBeUndefined();
  });

  it('never holds more than its capacity, dropping the least recently used entry', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.get('a'); // "b" is now the least recently used
    cache.set('c', 3);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
  });

  it('overwrites an existing key without growing, making it the most recently used', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 3);
    expect(cache.size).toBe(2);
    expect(cache.peekOldest()).toBe(2);
    expect(cache.get('a')).toBe(3);
  });

  it('shows and drops the least recently used entry on request', () => {
    const cache = new LruCache<string, number>(3);
    expect(cache.peekOldest()).toBeUndefined();
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    cache.get('a');
    expect(cache.peekOldest()).toBe(2);
    cache.deleteOldest();
    expect(cache.peekOldest()).toBe(3);
    cache.deleteOldest();
    cache.deleteOldest();
    cache.deleteOldest(); // on an empty cache: nothing happens
    expect(cache.size).toBe(0);
    cache.set('d', 4);
    expect(cache.get('d')).toBe(4);
  });

  it('keeps recency order intact through many operations (against a reference model)', () => {
    const cache = new LruCache<number, number>(50);
    const model: number[] = []; // least recently used first
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 120;
    for (let step = 0; step < 20_000; step++) {
      const key = random();
      const index = model.indexOf(key);
      if (step % 3 === 0) {
        expect(cache.get(key)).toBe(index === -1 ? undefined : key);
        if (index !== -1) model.push(...model.splice(index, 1));
      } else {
        cache.set(key, key);
        if (index !== -1) model.splice(index, 1);
        else if (model.length === 50) model.shift();
        model.push(key);
      }
      expect(cache.size).toBe(model.length);
      expect(cache.peekOldest()).toBe(model[0]);
    }
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new LruCache(0)).toThrow(RangeError);
    expect(() => new LruCache(1.5)).toThrow(RangeError);
  });
});
