/**
 * Progress reporting for long-running helpers (data conversion, training, embedding, CV sweeps).
 *
 * The core library never talks to a kernel: it reports to the current {@link ProgressSink}. The default
 * sink draws a bar on stderr when it is a terminal (and stays silent otherwise); the notebook display
 * layer installs a sink that updates one line in the cell's output.
 */
import { oneLine } from './escape';

/** One running task as seen by a sink. */
export interface ProgressState {
  /** Distinguishes concurrent tasks (unique per {@link progress} call in this process). */
  id?: number;
  label: string;
  done: number;
  total: number;
  /** Milliseconds since the task started. */
  elapsedMs: number;
  /** Free text shown after the counts, e.g. `loss 0.231`. */
  detail?: string;
  finished: boolean;
}

/**
 * Receives progress updates. `update` is called at most every ~100 ms and once more when finished.
 *
 * @example
 * ```ts
 * setProgressSink({ update: (s) => console.log(s.label, s.done, '/', s.total) });
 * ```
 */
export interface ProgressSink {
  update(state: ProgressState): void;
}

/** A handle returned by {@link progress}. */
export interface Progress {
  /** Advance by `n` units (default 1), optionally setting the detail text. */
  tick(n?: number, detail?: string): void;
  /** Mark finished (always reports once more). */
  done(detail?: string): void;
}

function formatBar(s: ProgressState, width = 28): string {
  const frac = s.total > 0 ? Math.min(1, s.done / s.total) : 0;
  const full = Math.round(frac * width);
  const secs = (s.elapsedMs / 1000).toFixed(1);
  return `${s.label} [${'#'.repeat(full)}${'.'.repeat(width - full)}] ${s.done}/${s.total} ${secs}s${s.detail ? ' ' + s.detail : ''}`;
}

/**
 * Formats a progress state as one line of text with a bar, e.g. `embed [######......] 3/10 1.2s`.
 *
 * @example
 * ```ts
 * progressLine({ label: 'fit', done: 1, total: 2, elapsedMs: 500, finished: false });
 * ```
 */
export function progressLine(s: ProgressState): string {
  return formatBar(s);
}

/** The default sink: a bar redrawn in place on an interactive stderr, nothing otherwise. */
export const terminalSink: ProgressSink = {
  update(s) {
    const err = process.stderr;
    if (!err.isTTY) return;
    err.write('\r' + formatBar(s) + (s.finished ? '\n' : ''));
  },
};

let currentSink: ProgressSink = terminalSink;
let quiet = false;

/**
 * Replaces the progress sink (returns the previous one). Pass `null` to silence progress entirely.
 *
 * @example
 * ```ts
 * const prev = setProgressSink(null); // quiet
 * setProgressSink(prev);
 * ```
 */
export function setProgressSink(sink: ProgressSink | null): ProgressSink {
  const prev = currentSink;
  quiet = sink === null;
  if (sink) currentSink = sink;
  return prev;
}

let nextTaskId = 0;

/**
 * Starts reporting a task of `total` units to the current sink.
 *
 * @example
 * ```ts
 * const batches = 10;
 * const p = fd.progress('embed', batches);
 * for (let b = 0; b < batches; b++) {
 *   // ... one batch of work ...
 *   p.tick();
 * }
 * p.done();
 * ```
 */
export function progress(label: string, total: number): Progress {
  // Labels and details carry user text (class names, split names): one safe line for every sink, so
  // an ESC colour code in a class name cannot drive the terminal or break the notebook's HTML.
  label = oneLine(String(label), 120);
  const id = nextTaskId++;
  const start = Date.now();
  let done = 0;
  let last = 0;
  let detail: string | undefined;
  const sink = currentSink;
  const report = (finished: boolean) => {
    if (quiet) return;
    sink.update({ id, label, done, total, elapsedMs: Date.now() - start, detail, finished });
  };
  return {
    tick(n = 1, d?: string) {
      done += n;
      if (d !== undefined) detail = oneLine(String(d), 200);
      const now = Date.now();
      if (now - last >= 100) {
        last = now;
        report(false);
      }
    },
    done(d?: string) {
      if (d !== undefined) detail = oneLine(String(d), 200);
      done = Math.max(done, total);
      report(true);
    },
  };
}
