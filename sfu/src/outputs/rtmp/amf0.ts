// AMF0, the value encoding of RTMP commands (connect, createStream, publish, onStatus)
// and of FLV script data (onMetaData). Only what those use: no references, dates,
// XML or typed objects — a server that sends one gets a clear error, not a guess.

export type Amf0Value =
  | number
  | boolean
  | string
  | null
  | undefined
  | Amf0Value[]
  | Amf0Object
  | Amf0EcmaArray;

export type Amf0Object = { [key: string]: Amf0Value };

/** An ECMA array (associative array, as onMetaData uses): kept apart from an object so it re-encodes the same. */
export class Amf0EcmaArray {
  constructor(readonly entries: Amf0Object = {}) {}
}

export class Amf0Error extends Error {
  override name = 'Amf0Error';
}

const NUMBER = 0x00;
const BOOLEAN = 0x01;
const STRING = 0x02;
const OBJECT = 0x03;
const NULL = 0x05;
const UNDEFINED = 0x06;
const ECMA_ARRAY = 0x08;
const OBJECT_END = 0x09;
const STRICT_ARRAY = 0x0a;
const LONG_STRING = 0x0c;

export function encodeAmf0(...values: Amf0Value[]): Buffer {
  const parts: Buffer[] = [];
  for (const v of values) writeValue(v, parts);
  return Buffer.concat(parts);
}

function writeValue(v: Amf0Value, out: Buffer[]): void {
  if (typeof v === 'number') {
    const b = Buffer.alloc(9);
    b[0] = NUMBER;
    b.writeDoubleBE(v, 1);
    out.push(b);
  } else if (typeof v === 'boolean') {
    out.push(Buffer.from([BOOLEAN, v ? 1 : 0]));
  } else if (typeof v === 'string') {
    const s = Buffer.from(v, 'utf8');
    if (s.length > 0xffff) {
      const h = Buffer.alloc(5);
      h[0] = LONG_STRING;
      h.writeUInt32BE(s.length, 1);
      out.push(h, s);
    } else {
      out.push(Buffer.from([STRING]), shortString(s));
    }
  } else if (v === null) {
    out.push(Buffer.from([NULL]));
  } else if (v === undefined) {
    out.push(Buffer.from([UNDEFINED]));
  } else if (Array.isArray(v)) {
    const h = Buffer.alloc(5);
    h[0] = STRICT_ARRAY;
    h.writeUInt32BE(v.length, 1);
    out.push(h);
    for (const item of v) writeValue(item, out);
  } else if (v instanceof Amf0EcmaArray) {
    const h = Buffer.alloc(5);
    h[0] = ECMA_ARRAY;
    h.writeUInt32BE(Object.keys(v.entries).length, 1);
    out.push(h);
    writeProperties(v.entries, out);
  } else {
    out.push(Buffer.from([OBJECT]));
    writeProperties(v, out);
  }
}

function shortString(s: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(s.length);
  return Buffer.concat([len, s]);
}

function writeProperties(o: Amf0Object, out: Buffer[]): void {
  for (const [k, val] of Object.entries(o)) {
    out.push(shortString(Buffer.from(k, 'utf8')));
    writeValue(val, out);
  }
  out.push(Buffer.from([0, 0, OBJECT_END]));
}

/** Every value in the buffer, in order (a command is a sequence: name, transaction id, object, arguments). */
export function decodeAmf0(buf: Buffer): Amf0Value[] {
  const r = new Reader(buf);
  const values: Amf0Value[] = [];
  while (r.pos < buf.length) values.push(r.value());
  return values;
}

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Amf0Error(`AMF0 data ends early (need ${n} bytes at ${this.pos} of ${this.buf.length})`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  utf8(n: number): string {
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  value(): Amf0Value {
    const marker = this.u8();
    switch (marker) {
      case NUMBER: {
        this.need(8);
        const v = this.buf.readDoubleBE(this.pos);
        this.pos += 8;
        return v;
      }
      case BOOLEAN:
        return this.u8() !== 0;
      case STRING:
        return this.utf8(this.u16());
      case LONG_STRING:
        return this.utf8(this.u32());
      case OBJECT:
        return this.properties();
      case NULL:
        return null;
      case UNDEFINED:
        return undefined;
      case ECMA_ARRAY:
        this.u32(); // the count is a hint: some muxers write 0; the end marker is what counts
        return new Amf0EcmaArray(this.properties());
      case STRICT_ARRAY: {
        const n = this.u32();
        const items: Amf0Value[] = [];
        for (let i = 0; i < n; i++) items.push(this.value());
        return items;
      }
      default:
        throw new Amf0Error(`unsupported AMF0 type 0x${marker.toString(16)} at byte ${this.pos - 1}`);
    }
  }

  properties(): Amf0Object {
    const o: Amf0Object = {};
    for (;;) {
      const key = this.utf8(this.u16());
      if (key === '' && this.buf[this.pos] === OBJECT_END) {
        this.pos++;
        return o;
      }
      // Defined, not assigned: a key named __proto__ from the wire must stay a plain key.
      Object.defineProperty(o, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
    }
  }
}
