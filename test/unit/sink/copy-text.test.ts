import { describe, expect, it } from 'vitest';
import { copyField, copyLine } from '../../../src/sink/copy-text.js';

describe('COPY text format', () => {
  it('escapes the characters that delimit fields and rows', () => {
    expect(copyField(null)).toBe('\\N');
    expect(copyField('\\N')).toBe('\\\\N');
    expect(copyField('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyLine(['x', null, ''])).toBe('x\t\\N\t\n');
  });
});
