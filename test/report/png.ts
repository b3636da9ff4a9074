import { inflateSync } from 'node:zlib';

/** A decoded 8-bit PNG: width, height and RGBA pixels row-major. */
export interface DecodedPng {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/**
 * Minimal PNG decoder for screenshots (PNG spec, ISO/IEC 15948): 8-bit greyscale, RGB or RGBA, non-interlaced;
 * concatenated IDAT chunks inflated, then each row unfiltered (None, Sub, Up, Average, Paeth).
 */
export function decodePng(buf: Uint8Array): DecodedPng {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  sig.forEach((b, i) => {
    if (buf[i] !== b) throw new Error('not a PNG (bad signature)');
  });
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Uint8Array[] = [];
  while (pos < buf.length) {
    const len = dv.getUint32(pos);
    const type = String.fromCharCode(...buf.subarray(pos + 4, pos + 8));
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = dv.getUint32(pos + 8);
      height = dv.getUint32(pos + 12);
      const depth = data[8];
      colorType = data[9] as number;
      if (depth !== 8 || data[12] !== 0 || ![0, 2, 6].includes(colorType))
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${colorType}, interlace ${data[12]}`);
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const channels = colorType === 6 ? 4 : colorType === 2 ? 3 : 1;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)] as number;
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = px.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? px.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? (row[i - channels] as number) : 0;
      const b = up[i] as number;
      const c = i >= channels ? (up[i - channels] as number) : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`bad PNG filter ${filter} in row ${y}`);
      row[i] = ((src[i] as number) + pred) & 255;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const s = p * channels;
    rgba[p * 4] = px[s] as number;
    rgba[p * 4 + 1] = px[channels === 1 ? s : s + 1] as number;
    rgba[p * 4 + 2] = px[channels === 1 ? s : s + 2] as number;
    rgba[p * 4 + 3] = channels === 4 ? (px[s + 3] as number) : 255;
  }
  return { width, height, rgba };
}

/** Fraction of pixels inside the box [x0, x1) x [y0, y1) that are not (near) white. */
export function inkFraction(img: DecodedPng, x0 = 0, y0 = 0, x1 = img.width, y1 = img.height): number {
  let ink = 0;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const i = (y * img.width + x) * 4;
      if ((img.rgba[i] as number) < 235 || (img.rgba[i + 1] as number) < 235 || (img.rgba[i + 2] as number) < 235)
        ink++;
    }
  return ink / Math.max(1, (x1 - x0) * (y1 - y0));
}
