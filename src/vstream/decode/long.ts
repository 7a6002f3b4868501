import type { LongLike } from './types.js';

/** A {@link LongLike} as a number (exact below 2^53, which covers every count and length here). */
export function longToNumber(value: LongLike): number {
  const high = value.unsigned ? value.high >>> 0 : value.high | 0;
  return high * 0x1_0000_0000 + (value.low >>> 0);
}
