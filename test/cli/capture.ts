import { afterEach, beforeEach, vi } from 'vitest';

/**
 * Captures process.stdout / process.stderr writes for each test of the calling file (reset before every test).
 * Read the captured text with `io.out` / `io.err`.
 */
export function captureOutput(): { out: string; err: string } {
  const io = { out: '', err: '' };
  beforeEach(() => {
    io.out = '';
    io.err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((io.out += String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((io.err += String(s)), true));
  });
  afterEach(() => vi.restoreAllMocks());
  return io;
}
