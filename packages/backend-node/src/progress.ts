/** Formats seconds as m:ss or h:mm:ss. */
export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--:--';
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/**
 * A progress bar with rate and ETA on stderr: redrawn in place on a terminal, a line every
 * few seconds otherwise (logs, CI). Silent with `quiet` (e.g. --json).
 */
export class Progress {
  private done = 0;
  private readonly start = Date.now();
  /** Non-TTY: the first line comes after 5 s (a short job prints only its final line). */
  private lastDraw = Date.now();
  private extra = '';

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly opts: { quiet?: boolean; stream?: NodeJS.WriteStream } = {},
  ) {}

  tick(n = 1, extra?: string): void {
    this.done += n;
    if (extra !== undefined) this.extra = extra;
    this.draw(false);
  }

  finish(extra?: string): void {
    if (extra !== undefined) this.extra = extra;
    this.draw(true);
  }

  line(): string {
    const el = (Date.now() - this.start) / 1000;
    const frac = this.total > 0 ? Math.min(1, this.done / this.total) : 0;
    const eta = this.done > 0 ? (el / this.done) * (this.total - this.done) : NaN;
    const width = 24;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    return `${this.label} [${bar}] ${this.done}/${this.total} ${(frac * 100).toFixed(0)}% elapsed ${formatDuration(el)} eta ${formatDuration(eta)}${this.extra ? ` ${this.extra}` : ''}`;
  }

  private draw(final: boolean): void {
    if (this.opts.quiet) return;
    const stream = this.opts.stream ?? process.stderr;
    const now = Date.now();
    if (stream.isTTY) {
      if (!final && now - this.lastDraw < 100) return;
      stream.write(`\r${this.line()}\x1b[K${final ? '\n' : ''}`);
    } else {
      if (!final && now - this.lastDraw < 5000) return;
      stream.write(`${this.line()}\n`);
    }
    this.lastDraw = now;
  }
}
