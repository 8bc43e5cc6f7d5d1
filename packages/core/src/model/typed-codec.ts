/**
 * How models store their typed arrays in JSON: the little-endian bytes,
 * raw-deflated at level 1 (several times faster than the default for a few
 * percent more bytes: checkpoints are written while training), as base64.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { BundleFormatError } from '../errors.js';

export type StoredTypedArray = Int32Array | Float64Array | Uint8Array;

export function encodeTypedArray(array: StoredTypedArray): string {
  return deflateRawSync(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), {
    level: 1,
  }).toString('base64');
}

/**
 * Decodes `encodeTypedArray` output into a fresh, aligned array. Throws
 * BundleFormatError naming `what` (e.g. "forest JSON: arrays.threshold") when
 * the text is not a string, not deflate+base64, not whole elements, or (with
 * `expectedLength`) not that many values.
 */
export function decodeTypedArray<T extends StoredTypedArray>(
  text: unknown,
  what: string,
  Type: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number },
  expectedLength?: number,
): T {
  if (typeof text !== 'string') {
    throw new BundleFormatError(
      `${what} must be a string, got ${text === null ? 'null' : Array.isArray(text) ? 'array' : typeof text}`,
    );
  }
  let bytes: Buffer;
  try {
    bytes = inflateRawSync(Buffer.from(text, 'base64'));
  } catch (error) {
    throw new BundleFormatError(`${what} is not valid deflate+base64`, { cause: error });
  }
  if (bytes.byteLength % Type.BYTES_PER_ELEMENT !== 0) {
    throw new BundleFormatError(`${what} has ${bytes.byteLength} bytes, not whole elements`);
  }
  const buffer = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(bytes);
  const array = new Type(buffer);
  if (expectedLength !== undefined && array.length !== expectedLength) {
    throw new BundleFormatError(`${what} has ${array.length} values, expected ${expectedLength}`);
  }
  return array;
}

/**
 * Decodes `arrays[name]` of a model's JSON (`decodeTypedArray`), naming it
 * `<model> JSON: arrays.<name>` in errors.
 */
export function decodeStoredArray<T extends StoredTypedArray>(
  model: string,
  arrays: Record<string, unknown>,
  name: string,
  Type: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number },
  expectedLength?: number,
): T {
  return decodeTypedArray(arrays[name], `${model} JSON: arrays.${name}`, Type, expectedLength);
}
