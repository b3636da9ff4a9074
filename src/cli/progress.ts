/**
 * A progress bar on stderr, drawn only when stderr is a TTY (so logs and pipes stay clean) and at most every
 * 100 ms. Shows done/total, percent, rate, ETA and a free-form status (loss, accuracy...).
 */
export class ProgressBar {
  private readonly start = performance.now();
  private lastDraw = 0;
  private done = 0;
  private readonly enabled: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
    opts: { enabled?: boolean; stream?: NodeJS.WriteStream } = {},
  ) {
    this.stream = opts.stream ?? process.stderr;
    this.enabled = opts.enabled ?? (this.stream.isTTY === true && process.env.CI !== 'true');
  }

  private readonly stream: NodeJS.WriteStream;

  /** Sets the number of finished units and redraws (throttled). */
  update(done: number, status = ''): void {
    this.done = done;
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.lastDraw < 100 && done < this.total) return;
    this.lastDraw = now;
    this.draw(status);
  }

  /** Adds `n` finished units. */
  tick(n = 1, status = ''): void {
    this.update(this.done + n, status);
  }

  /** Clears the bar line. */
  finish(): void {
    if (this.enabled) this.stream.write('\r\x1b[2K');
  }

  private draw(status: string): void {
    const elapsed = (performance.now() - this.start) / 1000;
    const frac = this.total > 0 ? Math.min(1, this.done / this.total) : 0;
    const width = 24;
    const filled = Math.round(frac * width);
    const eta = this.done > 0 ? (elapsed / this.done) * (this.total - this.done) : NaN;
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const etaText = Number.isFinite(eta) ? `ETA ${formatSeconds(eta)}` : 'ETA --';
    this.stream.write(
      `\r\x1b[2K${this.label} ${bar} ${this.done}/${this.total} ${(frac * 100).toFixed(0)}% ${formatSeconds(elapsed)} ${etaText}${status ? ` ${status}` : ''}`,
    );
  }
}

/** 75 -> "1m15s", 3.2 -> "3.2s". */
export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
