// FLOAT/DOUBLE as text. Vitess's running phase prints binlog floats with Go's
// strconv.AppendFloat(v, 'E', -1, bits): the shortest digits that round-trip at that width, in
// exponent form ("1.5E+00", "1E+02"). The copy phase gets MySQL's own text ("1.5", "1e20").

interface Digits {
  negative: boolean;
  /** Significant digits without a point, e.g. "15" for 1.5. */
  digits: string;
  /** Decimal exponent of the first digit: value = d.ddd × 10^exponent. */
  exponent: number;
}

function shortestDigits(value: number, bits: 32 | 64): Digits {
  const negative = value < 0 || Object.is(value, -0);
  const abs = Math.abs(value);
  if (abs === 0) return { negative, digits: '0', exponent: 0 };
  let text = abs.toExponential(); // shortest round-trip digits for a double
  if (bits === 32) {
    // Fewest digits that still read back as the same float32.
    for (let p = 1; p <= 9; p++) {
      const candidate = abs.toExponential(p - 1);
      if (Math.fround(Number(candidate)) === abs) {
        text = candidate;
        break;
      }
    }
  }
  const [mantissa, exp] = text.split('e') as [string, string];
  return { negative, digits: mantissa.replace('.', '').replace(/0+$/, '') || '0', exponent: Number(exp) };
}

/** Go's strconv.FormatFloat(value, 'E', -1, bits). */
export function formatGoExponent(value: number, bits: 32 | 64): string {
  const { negative, digits, exponent } = shortestDigits(value, bits);
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const expDigits = String(Math.abs(exponent)).padStart(2, '0');
  return `${negative ? '-' : ''}${mantissa}E${exponent < 0 ? '-' : '+'}${expDigits}`;
}

/** MySQL's text for a FLOAT/DOUBLE cell: plain notation for ordinary magnitudes, else "1.5e20". */
export function formatMysqlFloat(value: number, bits: 32 | 64): string {
  const { negative, digits, exponent } = shortestDigits(value, bits);
  const sign = negative ? '-' : '';
  if (exponent < -4 || exponent >= 15) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mantissa}e${exponent}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return `${sign}${digits}${'0'.repeat(exponent + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}
