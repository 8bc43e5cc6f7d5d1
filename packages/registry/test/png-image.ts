/**
 * Writes small real PNG files (a bar chart drawn pixel by pixel) so UI tests
 * can check that image artifacts show inline. PNG layout per RFC 2083:
 * signature, IHDR, one zlib-compressed IDAT of filtered scanlines, IEND.
 */
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A `width` x `height` RGB PNG with one vertical bar per value (values in 0..1). */
export function barChartPng(
  values: number[],
  width = 480,
  height = 240,
  rgb: [number, number, number] = [36, 87, 197],
): Buffer {
  const rows: Buffer[] = [];
  const barWidth = Math.floor(width / Math.max(values.length, 1));
  for (let y = 0; y < height; y += 1) {
    const row = Buffer.alloc(1 + width * 3, 255); // filter byte 0, then white pixels
    row[0] = 0;
    for (let x = 0; x < width; x += 1) {
      const bar = Math.floor(x / barWidth);
      const value = values[bar];
      const inBar = value !== undefined && x % barWidth > 4 && height - y <= value * (height - 10);
      const axis = y === height - 1 || x === 0;
      const [r, g, b] = axis ? [80, 80, 80] : inBar ? rgb : [255, 255, 255];
      row[1 + x * 3] = r;
      row[2 + x * 3] = g;
      row[3 + x * 3] = b;
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
