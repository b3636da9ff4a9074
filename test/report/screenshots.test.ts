import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { deflateSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { evaluateModel } from '../../src/experiment/evaluate.js';
import { loadSpec } from '../../src/io/model.js';
import { openDataset } from '../../src/io/open.js';
import { writeEvalPlots } from '../../src/report/evalPlots.js';
import { decodePng, inkFraction } from './png.js';

/** The headless browser (Debian package `chromium`; `.ci/run` installs it), or undefined when absent. */
function findChromium(): string | undefined {
  for (const name of [process.env.CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome'])
    if (name)
      try {
        execFileSync('which', [name], { stdio: 'ignore' });
        return name;
      } catch {
        // not on PATH
      }
  return undefined;
}

const chromium = findChromium();
if (!chromium) console.log('report screenshots: skipped (no chromium on PATH; apt-get install chromium)');

async function screenshot(url: string, out: string, width: number, height: number): Promise<Buffer> {
  await promisify(execFile)(
    chromium as string,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      '--mute-audio',
      `--window-size=${width},${height}`,
      `--screenshot=${out}`,
      url,
    ],
    { timeout: 60_000 },
  );
  return readFileSync(out);
}

describe('PNG decoder of the screenshot test', () => {
  it('round-trips an image written with every row filter (None, Sub, Up, Average, Paeth)', () => {
    const w = 7;
    const h = 5;
    const px = new Uint8Array(w * h * 3).map((_, i) => (i * 37 + (i >> 3) * 11) & 255);
    const paeth = (a: number, b: number, c: number): number => {
      const p = a + b - c;
      return Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
        ? a
        : Math.abs(p - b) <= Math.abs(p - c)
          ? b
          : c;
    };
    const rows: number[] = [];
    for (let y = 0; y < h; y++) {
      const f = y % 5;
      rows.push(f);
      for (let i = 0; i < w * 3; i++) {
        const x = px[y * w * 3 + i] as number;
        const a = i >= 3 ? (px[y * w * 3 + i - 3] as number) : 0;
        const b = y > 0 ? (px[(y - 1) * w * 3 + i] as number) : 0;
        const c = y > 0 && i >= 3 ? (px[(y - 1) * w * 3 + i - 3] as number) : 0;
        const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][f] as number;
        rows.push((x - pred) & 255);
      }
    }
    const chunk = (type: string, data: Uint8Array): Buffer => {
      const b = Buffer.alloc(12 + data.length);
      b.writeUInt32BE(data.length, 0);
      b.write(type, 4, 'latin1');
      Buffer.from(data).copy(b, 8);
      return b; // CRC left 0: the decoder does not check it
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(w, 0);
    ihdr.writeUInt32BE(h, 4);
    ihdr[8] = 8;
    ihdr[9] = 2;
    const png = Buffer.concat([
      Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(Uint8Array.from(rows))),
      chunk('IEND', new Uint8Array()),
    ]);
    const img = decodePng(png);
    expect([img.width, img.height]).toEqual([w, h]);
    for (let p = 0; p < w * h; p++)
      expect(Array.from(img.rgba.subarray(p * 4, p * 4 + 4))).toEqual([px[p * 3], px[p * 3 + 1], px[p * 3 + 2], 255]);
    expect(inkFraction(img)).toBeGreaterThan(0.5);
  });
});

describe.skipIf(!chromium)('report.html and the eval plots in headless Chromium', () => {
  it('render non-blank at the expected size, the report in two filled columns', async () => {
    // ROUSER_SHOTS_DIR keeps the pages and screenshots for a look by eye
    const dir = process.env.ROUSER_SHOTS_DIR ?? mkdtempSync(join(tmpdir(), 'rouser-shots-'));
    const out = join(dir, 'compare');
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const code = await main([
        'compare',
        '--dataset',
        'synthetic',
        '--arch',
        '24-24-4',
        '--variants',
        'learned,fixed,fixed:0.5',
        '--epochs',
        '2',
        '--seeds',
        '2',
        '--batch',
        '32',
        '--event-samples',
        '40',
        '--out',
        out,
      ]);
      expect(code).toBe(0);
    } finally {
      vi.restoreAllMocks();
    }
    // eval plots of the learned model on its test split
    const spec = loadSpec(join(out, 'runs', 'learned', 'seed-0', 'model.json'));
    const data = await openDataset('synthetic', { testSamples: 40 });
    const { report, firstSample } = await evaluateModel(spec, data.test, { engine: 'event', keepFirstSample: true });
    const plots = await writeEvalPlots(join(dir, 'plots'), report, {
      sample: { spikes: firstSample as Uint8Array[], label: data.test.labels[0] as number },
      initialThreshold: 1.25,
    });
    expect(plots.map((p) => basename(p))).toEqual(['raster.svg', 'thresholds.svg', 'rates.svg']);
    const page = join(dir, 'plots.html');
    writeFileSync(
      page,
      `<!doctype html><body style="margin:0;background:#fff">${plots.map((p) => `<img src="file://${p}" style="display:block;width:600px">`).join('')}</body>`,
    );

    const [reportPng, plotsPng] = await Promise.all([
      screenshot(`file://${join(out, 'report.html')}`, join(dir, 'report.png'), 1400, 2400),
      screenshot(`file://${page}`, join(dir, 'plots.png'), 600, 1600),
    ]);
    const r = decodePng(reportPng);
    expect([r.width, r.height]).toEqual([1400, 2400]);
    expect(inkFraction(r)).toBeGreaterThan(0.03);
    // two columns of charts: both halves carry ink below the headline table
    expect(inkFraction(r, 0, 1000, 700, 2400)).toBeGreaterThan(0.02);
    expect(inkFraction(r, 700, 1000, 1400, 2400)).toBeGreaterThan(0.02);
    const p = decodePng(plotsPng);
    expect([p.width, p.height]).toEqual([600, 1600]);
    // each of the three plots drew something in its band (raster on top)
    expect(inkFraction(p, 0, 0, 600, 300)).toBeGreaterThan(0.01);
    expect(inkFraction(p)).toBeGreaterThan(0.03);
  }, 120_000);
});
