import { TextDecoder } from 'node:util';
import { CellValueError } from './errors.js';
import { latin1String, SHORT_STRING_MAX, utf8Slice } from './latin1.js';
import type { InvalidTextPolicy } from './types.js';

/** The `binary` collation: the bytes are not text. */
export const BINARY_COLLATION = 63;

/** Turns `buf[start, end)` into a JS string, or throws `CellValueError('invalid_text')`. */
export type TextCellDecoder = (buf: Buffer, start: number, end: number) => string;

type Ids = readonly (number | readonly [first: number, last: number])[];

/** MySQL charset → the collation ids that use it (MySQL 8.0/8.4 numbering). */
const COLLATIONS_BY_CHARSET: Readonly<Record<string, Ids>> = {
  big5: [1, 84],
  latin2: [2, 9, 21, 27, 77],
  dec8: [3, 69],
  cp850: [4, 80],
  latin1: [5, 8, 15, 31, 47, 48, 49, 94],
  hp8: [6, 72],
  koi8r: [7, 74],
  swe7: [10, 82],
  ascii: [11, 65],
  ujis: [12, 91],
  sjis: [13, 88],
  cp1251: [14, 23, 50, 51, 52],
  hebrew: [16, 71],
  tis620: [18, 89],
  euckr: [19, 85],
  latin7: [20, 41, 42, 79],
  koi8u: [22, 75],
  gb2312: [24, 86],
  greek: [25, 70],
  cp1250: [26, 34, 44, 66, 99],
  gbk: [28, 87],
  cp1257: [29, 58, 59],
  latin5: [30, 78],
  armscii8: [32, 64],
  utf8mb3: [33, 76, 83, [192, 215], 223],
  ucs2: [35, 90, [128, 151], 159],
  cp866: [36, 68],
  keybcs2: [37, 73],
  macce: [38, 43],
  macroman: [39, 53],
  cp852: [40, 81],
  utf8mb4: [45, 46, [224, 247], [255, 323]],
  utf16: [54, 55, [101, 124]],
  utf16le: [56, 62],
  cp1256: [57, 67],
  utf32: [60, 61, [160, 183]],
  binary: [BINARY_COLLATION],
  geostd8: [92, 93],
  cp932: [95, 96],
  eucjpms: [97, 98],
  gb18030: [248, 249, 250],
};

const CHARSET_BY_COLLATION = new Map<number, string>();
for (const [charset, ids] of Object.entries(COLLATIONS_BY_CHARSET)) {
  for (const id of ids) {
    if (typeof id === 'number') CHARSET_BY_COLLATION.set(id, charset);
    else for (let i = id[0]; i <= id[1]; i++) CHARSET_BY_COLLATION.set(i, charset);
  }
}

/** The MySQL charset name of a collation id (`45` → `utf8mb4`), or undefined when the id is unknown. */
export function charsetOfCollation(collationId: number): string | undefined {
  return CHARSET_BY_COLLATION.get(collationId);
}

/**
 * MySQL charset → WHATWG encoding label for `TextDecoder`. For the legacy charsets the WHATWG tables can be
 * supersets of MySQL's (big5 → Big5-HKSCS, euckr → windows-949, gbk/gb2312 → gb18030), so a byte MySQL leaves
 * unassigned may decode instead of failing. Charsets without a trustworthy WHATWG equivalent (sjis, ujis,
 * latin5, cp850, macroman, ...) are left out on purpose and fail loudly.
 */
const WHATWG_ENCODING: Readonly<Record<string, string>> = {
  utf8mb4: 'utf-8',
  utf8mb3: 'utf-8',
  ucs2: 'utf-16be',
  utf16: 'utf-16be',
  utf16le: 'utf-16le',
  cp1250: 'windows-1250',
  cp1251: 'windows-1251',
  cp1256: 'windows-1256',
  cp1257: 'windows-1257',
  latin2: 'iso-8859-2',
  latin7: 'iso-8859-13',
  greek: 'iso-8859-7',
  hebrew: 'iso-8859-8',
  koi8r: 'koi8-r',
  koi8u: 'koi8-u',
  cp866: 'ibm866',
  tis620: 'windows-874',
  gbk: 'gb18030',
  gb2312: 'gb18030',
  gb18030: 'gb18030',
  big5: 'big5',
  euckr: 'euc-kr',
  cp932: 'shift_jis',
  eucjpms: 'euc-jp',
};

/** Charsets where each byte below 0x80 is that ASCII character, so ASCII-only cells can skip TextDecoder. */
const ASCII_COMPATIBLE = new Set(['utf8mb4', 'utf8mb3', 'cp1250', 'cp1251', 'cp1256', 'cp1257']);

/** Charsets decoded as UTF-8. */
const UTF8 = new Set(['utf8mb4', 'utf8mb3']);

/**
 * Supported charsets in which every byte below 0x80 decodes to that ASCII character under either invalid-text
 * policy, so ASCII bytes are known text without running the charset's decoder.
 */
export const ASCII_TRANSPARENT_CHARSETS: ReadonlySet<string> = new Set([
  'utf8mb4',
  'utf8mb3',
  'latin1',
  'ascii',
  'cp1250',
  'cp1251',
  'cp1256',
  'cp1257',
]);

const decoders = new Map<string, TextDecoder>();

function nativeDecoder(encoding: string, fatal: boolean): TextDecoder {
  const key = `${encoding}/${fatal}`;
  let decoder = decoders.get(key);
  if (decoder === undefined) {
    // ignoreBOM: a leading U+FEFF is data in a column, not a byte-order mark to strip.
    decoder = new TextDecoder(encoding, { fatal, ignoreBOM: true });
    decoders.set(key, decoder);
  }
  return decoder;
}

function invalidText(charset: string): CellValueError {
  return new CellValueError('invalid_text', `bytes are not valid ${charset} text`);
}

/**
 * A decoder for text in a MySQL charset, or undefined when unsupported. The caller handles the `binary`
 * charset itself (those cells stay bytes).
 */
export function textDecoderForCharset(
  charset: string,
  policy: InvalidTextPolicy,
): TextCellDecoder | undefined {
  const fatal = policy === 'fail';
  if (charset === 'latin1') return decodeCp1252;
  if (charset === 'ascii') return fatal ? strictAscii : lenientAscii;
  if (charset === 'utf32') return fatal ? strictUtf32 : lenientUtf32;
  const encoding = WHATWG_ENCODING[charset];
  if (encoding === undefined) return undefined;
  const decoder = nativeDecoder(encoding, fatal);
  const decodeNative = (buf: Buffer, start: number, end: number): string => {
    try {
      return decoder.decode(buf.subarray(start, end));
    } catch {
      throw invalidText(charset);
    }
  };
  if (UTF8.has(charset)) {
    return (buf, start, end) => {
      if (end - start <= SHORT_STRING_MAX && isAscii(buf, start, end)) return latin1String(buf, start, end);
      return decodeUtf8(buf, start, end, decodeNative);
    };
  }
  if (!ASCII_COMPATIBLE.has(charset)) return decodeNative;
  return (buf, start, end) => {
    if (end - start <= SHORT_STRING_MAX && isAscii(buf, start, end)) return latin1String(buf, start, end);
    return decodeNative(buf, start, end);
  };
}

/**
 * UTF-8 through Node's replacing decoder, which is cheaper than TextDecoder (no view to create). It turns
 * every invalid sequence into U+FFFD, so a result without U+FFFD came from valid UTF-8 and is exactly what
 * TextDecoder gives; a result with one (bad bytes, or a U+FFFD in the data) is decoded again by `exact`, which
 * applies the invalid-text policy.
 */
function decodeUtf8(
  buf: Buffer,
  start: number,
  end: number,
  exact: (buf: Buffer, start: number, end: number) => string,
): string {
  const text = utf8Slice(buf, start, end);
  return text.indexOf('\uFFFD') < 0 ? text : exact(buf, start, end);
}

function isAscii(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return false;
  return true;
}

function strictAscii(buf: Buffer, start: number, end: number): string {
  if (!isAscii(buf, start, end)) throw invalidText('ascii');
  return latin1String(buf, start, end);
}

function lenientAscii(buf: Buffer, start: number, end: number): string {
  if (isAscii(buf, start, end)) return latin1String(buf, start, end);
  let text = '';
  for (let i = start; i < end; i++) {
    const byte = buf[i]!;
    text += byte < 0x80 ? String.fromCharCode(byte) : '\uFFFD';
  }
  return text;
}

/**
 * MySQL `latin1` is really cp1252: bytes 0x80-0x9F are typographic characters (0x80 is €), except 0x81, 0x8D,
 * 0x8F, 0x90 and 0x9D, which stay C1 controls; every other byte is its own code point. Decoded by hand
 * because Node 20's TextDecoder treats `windows-1252` as ISO-8859-1. Every byte is valid, so no policy
 * applies.
 */
const CP1252_0X80_TO_0X9F = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152,
  0x008d, 0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122,
  0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
];

function decodeCp1252(buf: Buffer, start: number, end: number): string {
  let i = start;
  while (i < end && (buf[i]! < 0x80 || buf[i]! > 0x9f)) i++;
  if (i === end) return latin1String(buf, start, end);
  let text = latin1String(buf, start, i);
  for (; i < end; i++) {
    const byte = buf[i]!;
    text += String.fromCharCode(byte >= 0x80 && byte <= 0x9f ? CP1252_0X80_TO_0X9F[byte - 0x80]! : byte);
  }
  return text;
}

// UTF-32 (big-endian, as MySQL stores it) has no WHATWG decoder.
function decodeUtf32(buf: Buffer, start: number, end: number, fatal: boolean): string {
  const length = end - start;
  if (fatal && length % 4 !== 0) throw invalidText('utf32');
  const codePoints: number[] = [];
  let text = '';
  const whole = start + length - (length % 4);
  for (let i = start; i < whole; i += 4) {
    const cp = buf.readUInt32BE(i);
    const valid = cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
    if (!valid && fatal) throw invalidText('utf32');
    codePoints.push(valid ? cp : 0xfffd);
    if (codePoints.length === 4096) {
      text += String.fromCodePoint(...codePoints);
      codePoints.length = 0;
    }
  }
  if (whole < end) codePoints.push(0xfffd);
  return text + String.fromCodePoint(...codePoints);
}

function strictUtf32(buf: Buffer, start: number, end: number): string {
  return decodeUtf32(buf, start, end, true);
}

function lenientUtf32(buf: Buffer, start: number, end: number): string {
  return decodeUtf32(buf, start, end, false);
}
