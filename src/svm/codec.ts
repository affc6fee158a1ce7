/**
 * Exact, compact JSON encoding of typed arrays: the raw little-endian bytes in base64. Plain number
 * arrays would also round-trip exactly but are ~3x larger and cannot hold NaN.
 */

/** A typed array in JSON. */
export interface EncodedArray {
  dtype: 'float32' | 'float64' | 'int32' | 'uint8';
  length: number;
  base64: string;
}

type Typed = Float32Array | Float64Array | Int32Array | Uint8Array;

function dtypeOf(a: Typed): EncodedArray['dtype'] {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'uint8';
}

/**
 * Encodes a typed array as `{dtype, length, base64}`.
 *
 * @example
 * ```ts
 * decodeArray(encodeArray(new Float64Array([NaN, 1.5]))); // Float64Array [NaN, 1.5]
 * ```
 */
export function encodeArray(a: Typed): EncodedArray {
  const bytes = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return { dtype: dtypeOf(a), length: a.length, base64: bytes.toString('base64') };
}

/**
 * Decodes {@link encodeArray}'s output; throws naming `what` when malformed.
 *
 * @example
 * ```ts
 * decodeArray({ dtype: 'uint8', length: 2, base64: 'AQI=' }); // Uint8Array [1, 2]
 * ```
 */
export function decodeArray(e: EncodedArray, what = 'array'): Float32Array | Float64Array | Int32Array | Uint8Array {
  if (e == null || typeof e.base64 !== 'string') throw new TypeError(`${what}: expected {dtype, length, base64}`);
  const bytes = Buffer.from(e.base64, 'base64');
  const size = e.dtype === 'float64' ? 8 : e.dtype === 'uint8' ? 1 : 4;
  if (bytes.length !== e.length * size) throw new RangeError(`${what}: ${bytes.length} bytes for ${e.length} ${e.dtype} values`);
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  switch (e.dtype) {
    case 'float32':
      return new Float32Array(copy);
    case 'float64':
      return new Float64Array(copy);
    case 'int32':
      return new Int32Array(copy);
    case 'uint8':
      return new Uint8Array(copy);
    default:
      throw new TypeError(`${what}: unknown dtype ${(e as EncodedArray).dtype}`);
  }
}

/**
 * Typed decoders: like {@link decodeArray}, but throw when the stored dtype differs.
 *
 * @example
 * ```ts
 * decodeFloat64(encodeArray(new Float64Array([1, 2])), 'coef');
 * ```
 */
export function decodeFloat64(e: EncodedArray, what = 'array'): Float64Array {
  const a = decodeArray(e, what);
  if (!(a instanceof Float64Array)) throw new TypeError(`${what}: expected float64, got ${e.dtype}`);
  return a;
}
export function decodeFloat32(e: EncodedArray, what = 'array'): Float32Array {
  const a = decodeArray(e, what);
  if (!(a instanceof Float32Array)) throw new TypeError(`${what}: expected float32, got ${e.dtype}`);
  return a;
}
export function decodeInt32(e: EncodedArray, what = 'array'): Int32Array {
  const a = decodeArray(e, what);
  if (!(a instanceof Int32Array)) throw new TypeError(`${what}: expected int32, got ${e.dtype}`);
  return a;
}
export function decodeUint8(e: EncodedArray, what = 'array'): Uint8Array {
  const a = decodeArray(e, what);
  if (!(a instanceof Uint8Array)) throw new TypeError(`${what}: expected uint8, got ${e.dtype}`);
  return a;
}
