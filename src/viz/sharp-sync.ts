/**
 * Synchronous sharp rendering, for code that cannot await.
 *
 * sharp only has an asynchronous API, but an image strip that is a cell's last value renders itself
 * from `util.inspect` (synchronous), and strips are nicer to use without `await` (an un-awaited display
 * lands in whichever cell runs later). So sharp runs in one long-lived, unref'd worker thread and the
 * caller blocks on `Atomics.wait` until the worker signals that the PNG is on a message port, then
 * takes it with `receiveMessageOnPort`. libvips works on its own threads, so the blocked main thread
 * does not stall it. A render of a typical strip takes 10-80 ms; the first call also pays
 * the worker start and sharp load (~0.5 s).
 */
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { ensureFontConfig } from './fonts';

/** A raw-pixel tile, resized with nearest-neighbour to `width` x `height` and placed at `left`/`top`. */
export interface RawLayer {
  raw: Uint8Array;
  rawWidth: number;
  rawHeight: number;
  channels: 1 | 2 | 3 | 4;
  left: number;
  top: number;
  width: number;
  height: number;
}

/** An SVG overlay placed at `left`/`top` (its own `width`/`height` attributes give its size). */
export interface SvgLayer {
  svg: string;
  left: number;
  top: number;
}

/** A canvas of `width` x `height` filled with `background` (RGB 0-255), then the layers in order. */
export interface ComposeJob {
  width: number;
  height: number;
  background: [number, number, number];
  layers: Array<RawLayer | SvgLayer>;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
let sharp, loadError;
try { sharp = require(workerData.sharpPath); } catch (e) { loadError = e; }
async function run(job) {
  if (loadError) throw loadError;
  const c = job.compose;
  const inputs = [];
  for (const l of c.layers) {
    if (l.svg !== undefined) { inputs.push({ input: Buffer.from(l.svg), left: l.left, top: l.top }); continue; }
    const tile = await sharp(Buffer.from(l.raw.buffer, l.raw.byteOffset, l.raw.byteLength),
      { raw: { width: l.rawWidth, height: l.rawHeight, channels: l.channels } })
      .resize(l.width, l.height, { kernel: 'nearest', fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    inputs.push({ input: tile.data, raw: { width: tile.info.width, height: tile.info.height, channels: tile.info.channels }, left: l.left, top: l.top });
  }
  const [r, g, b] = c.background;
  return sharp({ create: { width: c.width, height: c.height, channels: 3, background: { r, g, b } } })
    .composite(inputs).png({ compressionLevel: 9 }).toBuffer();
}
parentPort.on('message', (m) => {
  run(m.job).then(
    (png) => m.port.postMessage({ ok: true, png }),
    (e) => m.port.postMessage({ ok: false, error: String((e && e.message) || e) }),
  ).finally(() => { m.port.close(); Atomics.store(m.flag, 0, 1); Atomics.notify(m.flag, 0); });
});
`;

let worker: Worker | undefined;

function getWorker(): Worker {
  if (worker) return worker;
  ensureFontConfig();
  // Load sharp in the main thread first: libvips must not be unloaded when a worker exits.
  const sharpPath = require.resolve('sharp');
  // The worker loads sharp by this resolved path; loading it here first keeps libvips resident.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(sharpPath);
  const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { sharpPath } });
  w.unref();
  w.on('error', () => {
    if (worker === w) worker = undefined;
  });
  w.on('exit', () => {
    if (worker === w) worker = undefined;
  });
  worker = w;
  return w;
}

function runSync(job: { compose: ComposeJob }, what: string, timeoutMs: number): Buffer {
  const w = getWorker();
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  try {
    w.postMessage({ job, port: port2, flag }, [port2]);
    const waited = Atomics.wait(flag, 0, 0, timeoutMs);
    const msg = receiveMessageOnPort(port1)?.message as { ok: boolean; png?: Uint8Array; error?: string } | undefined;
    if (!msg) {
      void w.terminate();
      worker = undefined;
      throw new Error(`${what}: sharp worker gave no result (${waited === 'timed-out' ? `timed out after ${timeoutMs} ms` : 'worker failed'})`);
    }
    if (!msg.ok || !msg.png) throw new Error(`${what}: sharp failed: ${msg.error}`);
    return Buffer.from(msg.png.buffer, msg.png.byteOffset, msg.png.byteLength);
  } finally {
    port1.close();
  }
}

/**
 * Composes raw tiles (nearest-neighbour upscaled) and SVG overlays on a solid canvas into a PNG,
 * synchronously.
 *
 * @example
 * ```ts
 * const png = composeSync({ width: 20, height: 10, background: [255, 255, 255], layers: [
 *   { raw: new Uint8Array(4).fill(0), rawWidth: 2, rawHeight: 2, channels: 1, left: 0, top: 0, width: 10, height: 10 },
 * ] });
 * ```
 */
export function composeSync(job: ComposeJob, what = 'image compose', timeoutMs = 60_000): Buffer {
  if (!(job.width > 0 && job.height > 0)) throw new Error(`${what}: canvas must be non-empty, got ${job.width}x${job.height}`);
  return runSync({ compose: job }, what, timeoutMs);
}
