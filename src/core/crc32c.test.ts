import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.js';

describe('crc32c', () => {
  it('gives the check value of the standard and continues across pieces', () => {
    // The CRC catalogue's check value for CRC-32/ISCSI over "123456789".
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    const data = Buffer.from('hello world, a longer string that spans several 8-byte steps');
    expect(crc32c(data.subarray(13), crc32c(data.subarray(0, 13)))).toBe(crc32c(data));
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });
});
