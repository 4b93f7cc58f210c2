import { describe, expect, it } from 'vitest';
import { Amf0EcmaArray, Amf0Error, decodeAmf0, encodeAmf0, type Amf0Value } from './amf0.js';

describe('amf0', () => {
  it('round-trips every type RTMP commands use', () => {
    const values: Amf0Value[] = [
      'connect', 1, 0, -2.5, 1e300, true, false, null, undefined, '', 'é ünïcode ✓',
      { app: 'live', type: 'nonprivate', nested: { a: [1, 'b', null] }, flag: false },
      new Amf0EcmaArray({ duration: 0, width: 1280, encoder: 'Lavf' }),
      [1, 'two', { three: 3 }, []],
      'x'.repeat(70_000), // long string
    ];
    expect(decodeAmf0(encodeAmf0(...values))).toEqual(values);
  });

  it('encodes a command exactly as the spec lays it out', () => {
    expect(encodeAmf0('a', 1, null, { k: true }).toString('hex')).toBe(
      '02000161' + '003ff0000000000000' + '05' + '03' + '00016b' + '0101' + '000009',
    );
  });

  it('keeps an ECMA array apart from an object (onMetaData re-encodes the same bytes)', () => {
    const meta = encodeAmf0('onMetaData', new Amf0EcmaArray({ width: 320 }));
    const [, arr] = decodeAmf0(meta);
    expect(arr).toBeInstanceOf(Amf0EcmaArray);
    expect(encodeAmf0(...decodeAmf0(meta))).toEqual(meta);
  });

  it('reads an ECMA array whose count is wrong (some muxers write 0): the end marker counts', () => {
    const b = encodeAmf0(new Amf0EcmaArray({ a: 1, b: 2 }));
    b.writeUInt32BE(0, 1);
    expect(decodeAmf0(b)).toEqual([new Amf0EcmaArray({ a: 1, b: 2 })]);
  });

  it('keeps a key named __proto__ as data', () => {
    const [o] = decodeAmf0(Buffer.from('03' + '0009' + Buffer.from('__proto__').toString('hex') + '0101' + '000009', 'hex'));
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    expect(Object.keys(o as object)).toEqual(['__proto__']);
  });

  it('fails clearly on truncated data and on types it does not speak', () => {
    expect(() => decodeAmf0(encodeAmf0('connect').subarray(0, 4))).toThrow(Amf0Error);
    expect(() => decodeAmf0(Buffer.from([0x0b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toThrow(/unsupported AMF0 type 0xb/);
  });
});
