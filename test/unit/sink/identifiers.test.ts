import { describe, expect, it } from 'vitest';
import { MAX_IDENTIFIER_BYTES, pgName, qualify, quoteIdent } from '../../../src/sink/identifiers.js';

describe('quoteIdent', () => {
  it('double-quotes and doubles embedded quotes', () => {
    expect(quoteIdent('plain')).toBe('"plain"');
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(quoteIdent('x"; DROP TABLE t; --')).toBe('"x""; DROP TABLE t; --"');
    expect(qualify('s"', 't')).toBe('"s"""."t"');
  });

  it('refuses NUL, which no Postgres identifier can hold', () => {
    expect(() => quoteIdent('a\0b')).toThrow(/NUL/);
  });
});

describe('pgName', () => {
  it('keeps names up to 63 bytes verbatim, case and all', () => {
    expect(pgName('OrderItems')).toBe('OrderItems');
    expect(pgName('x'.repeat(63))).toBe('x'.repeat(63));
    expect(pgName('ünïcödé 表')).toBe('ünïcödé 表');
  });

  it('shortens longer names deterministically, within 63 bytes, without collisions', () => {
    const a = `${'a'.repeat(60)}_one_suffix`;
    const b = `${'a'.repeat(60)}_two_suffix`;
    const mapped = pgName(a);
    expect(Buffer.byteLength(mapped)).toBeLessThanOrEqual(MAX_IDENTIFIER_BYTES);
    expect(pgName(a)).toBe(mapped);
    expect(pgName(b)).not.toBe(mapped);
    expect(mapped.startsWith('a'.repeat(40))).toBe(true);
  });

  it('treats a 64-character MySQL name as too long and never splits a multi-byte character', () => {
    expect(Buffer.byteLength(pgName('x'.repeat(64)))).toBeLessThanOrEqual(63);
    const wide = '表'.repeat(64); // 192 bytes
    const mapped = pgName(wide);
    expect(Buffer.byteLength(mapped)).toBeLessThanOrEqual(63);
    expect(mapped).toMatch(/^表+_[0-9a-f]{8}$/);
  });
});
