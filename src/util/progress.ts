// Progress for long work: a single updating line on a TTY, or a line every ~10 s otherwise
// (CI logs, notebooks), always with count, rate and ETA.

export interface ProgressOptions {
  label: string;
  total: number;
  /** unit name shown after the count, e.g. "steps" */
  unit?: string;
  stream?: NodeJS.WriteStream;
  /** minimum milliseconds between non-TTY lines */
  intervalMs?: number;
}

function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export class Progress {
  private readonly start = Date.now();
  private lastPrint = 0;
  private done = 0;
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly quiet: boolean;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.tty = this.stream.isTTY === true;
    this.quiet = process.env.MIRD_QUIET === '1';
  }

  /** Advance by `n` and optionally show a short status (e.g. the current loss). */
  tick(n = 1, status = ''): void {
    this.done += n;
    const now = Date.now();
    const interval = this.tty ? 200 : (this.options.intervalMs ?? 10_000);
    if (this.done < this.options.total && now - this.lastPrint < interval) return;
    this.lastPrint = now;
    this.print(status);
  }

  line(status = ''): string {
    const { label, total, unit = '' } = this.options;
    const elapsed = (Date.now() - this.start) / 1000;
    const rate = this.done / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? (total - this.done) / rate : Number.POSITIVE_INFINITY;
    const pct = total > 0 ? ((100 * this.done) / total).toFixed(1) : '100.0';
    const width = 24;
    const filled = total > 0 ? Math.round((width * this.done) / total) : width;
    const bar = '#'.repeat(Math.min(width, filled)).padEnd(width, '.');
    return `${label} [${bar}] ${this.done}/${total}${unit ? ' ' + unit : ''} ${pct}% ${fmtSeconds(elapsed)} elapsed, ETA ${fmtSeconds(eta)}${status ? ' | ' + status : ''}`;
  }

  private print(status: string): void {
    if (this.quiet) return;
    const text = this.line(status);
    if (this.tty) this.stream.write(`\r${text}\x1b[K${this.done >= this.options.total ? '\n' : ''}`);
    else this.stream.write(text + '\n');
  }
}
