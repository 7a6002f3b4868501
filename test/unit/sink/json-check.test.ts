import { describe, expect, it } from 'vitest';
import { ValueProblem, checkJsonForJsonb } from '../../../src/sink/value-checks.js';

/** The straightforward check the scanner replaces: JSON.parse, then the text and escape checks. */
function reference(text: string): string | null {
  try {
    JSON.parse(text);
  } catch {
    return 'JSON column holds text that is not valid JSON';
  }
  if (/[\0\p{Cs}]/u.test(text)) {
    return text.includes('\0')
      ? 'text contains a NUL character (U+0000), which Postgres text cannot store'
      : 'text contains an unpaired UTF-16 surrogate, which Postgres text cannot store';
  }
  let pendingHigh = false;
  for (let i = text.indexOf('\\'); i >= 0 && i < text.length;) {
    if (text[i + 1] !== 'u') {
      pendingHigh = false;
      i = text.indexOf('\\', i + 2);
      continue;
    }
    const code = parseInt(text.slice(i + 2, i + 6), 16);
    const high = code >= 0xd800 && code <= 0xdbff;
    const low = code >= 0xdc00 && code <= 0xdfff;
    if (code === 0) return 'JSON contains \\u0000, which jsonb cannot store';
    if (pendingHigh && !low) return 'JSON contains an unpaired \\ud8xx surrogate escape';
    if (low && !pendingHigh) return 'JSON contains an unpaired \\udcxx surrogate escape';
    pendingHigh = high;
    if (high && text.slice(i + 6, i + 8) !== '\\u')
      return 'JSON contains an unpaired \\ud8xx surrogate escape';
    i = text.indexOf('\\', i + 6);
  }
  return pendingHigh ? 'JSON contains an unpaired \\ud8xx surrogate escape' : null;
}

function actual(text: string): string | null {
  try {
    checkJsonForJsonb(text);
    return null;
  } catch (err) {
    if (err instanceof ValueProblem) return err.reason;
    throw err;
  }
}

const SAMPLES = [
  '{"sku": "A-1", "qty": 3, "big": 12345678901234567890}',
  '[1, -0, 0.5, -1.25e+10, 2E-3, true, false, null, "x", {}, []]',
  ' { "a" : [ { "b" : "\\"\\\\\\/\\b\\f\\n\\r\\t" } ] } ',
  '"\\ud83d\\ude00 \ud83d\ude00"',
  '"\\u0041\\u00e9"',
  '0',
  '"plain"',
  '{"a":{"b":{"c":[[[]]]}}}',
];
const BAD = [
  '',
  ' ',
  '.1',
  '01',
  '1.',
  '1e',
  '-',
  '+1',
  '[1,]',
  '{"a":1,}',
  '{"a" 1}',
  '{a:1}',
  "'x'",
  '"abc',
  '"a\tb"',
  '"\0"',
  '[1] 2',
  'nul',
  'truex',
  '"\\x"',
  '"\\u12g4"',
  '"\\u123"',
  '[',
  ']',
  '{"a":1]',
  '[1}',
  '\ufeff1',
  '{"a":"\\u0000"}',
  '["\\ud800"]',
  '["\\udc00"]',
  '["\\ud800\\u0041"]',
  '["\\ud800x\\udc00"]',
  '["\ud800"]',
  '["\udc00\ud800"]',
  '["\\ud83d\\ude00\\ud800"]',
  '["\\ud800\\n"]',
];

/** Small deterministic PRNG, so a failure reproduces. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '"',
  '\\',
  'u',
  '0',
  '1',
  '9',
  '-',
  '+',
  '.',
  'e',
  'E',
  ' ',
  '\n',
  '\t',
  'a',
  'd',
  'true',
  'false',
  'null',
  '\\u0000',
  '\\ud800',
  '\\udc00',
  '\\ud83d\\ude00',
  '\ud800',
  '\udc00',
  '\0',
  'é',
  '/',
  'b',
  'f',
  'n',
  'r',
  't',
  'x',
];

describe('checkJsonForJsonb', () => {
  it('accepts what jsonb stores unchanged', () => {
    for (const text of SAMPLES) expect(actual(text), text).toBeNull();
  });

  it('gives the same verdict and reason as JSON.parse plus the escape checks', () => {
    for (const text of [...SAMPLES, ...BAD]) expect(actual(text), JSON.stringify(text)).toBe(reference(text));
  });

  it('agrees with the reference on random mutations of JSON texts', () => {
    const random = prng(42);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    for (let n = 0; n < 20_000; n++) {
      let text = pick([...SAMPLES, ...BAD]);
      const edits = 1 + Math.floor(random() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(random() * (text.length + 1));
        const kind = random();
        if (kind < 0.4) text = text.slice(0, at) + pick(ALPHABET) + text.slice(at);
        else if (kind < 0.7) text = text.slice(0, at) + text.slice(at + 1);
        else text = text.slice(0, at) + pick(ALPHABET) + text.slice(at + 1);
      }
      expect(actual(text), JSON.stringify(text)).toBe(reference(text));
    }
  });

  it('handles deep nesting without recursion', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(actual(deep)).toBeNull();
  });
});
