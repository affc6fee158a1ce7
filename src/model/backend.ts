/**
 * Choosing the tfjs backend: the fastest one that loads on this machine.
 *
 * Order: `tensorflow` via `@tensorflow/tfjs-node-gpu`, then via `@tensorflow/tfjs-node` (both optional
 * packages, required only if installed), then `wasm` (with this package's training kernels), then the
 * pure-JS `cpu`. Set `FD_BACKEND` (`tensorflow`, `wasm` or `cpu`) to force one.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './wasm/register';

/** A backend this package can run on. */
export type BackendChoice = 'tensorflow' | 'wasm' | 'cpu';

/** Options of {@link ensureBackend}. */
export interface EnsureBackendOptions {
  /** Force a backend instead of the automatic order (also `FD_BACKEND`). */
  prefer?: BackendChoice;
}

let chosen: Promise<string> | undefined;
let ready = false;
let chosenDetail = '';
const attempts: string[] = [];

/** `require` that bundlers do not follow, for packages that may be absent. */
function optionalRequire(name: string): unknown {
  const req = module.require.bind(module);
  return req(name);
}

async function tryTensorflow(): Promise<boolean> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      optionalRequire(pkg);
    } catch (e) {
      attempts.push(`${pkg}: not loadable (${(e as Error).message.split('\n')[0]})`);
      continue;
    }
    if (await tf.setBackend('tensorflow')) {
      chosenDetail = pkg;
      return true;
    }
    attempts.push(`${pkg}: loaded but the 'tensorflow' backend did not initialise`);
  }
  return false;
}

async function tryWasm(): Promise<boolean> {
  try {
    const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
    setWasmPaths(dist);
    const before = { uncaughtException: process.listeners('uncaughtException'), unhandledRejection: process.listeners('unhandledRejection') };
    const ok = await tf.setBackend('wasm');
    dropEmscriptenHandlers(before);
    if (!ok) {
      attempts.push('wasm: did not initialise');
      return false;
    }
    registerWasmTrainingKernels();
    chosenDetail = '@tensorflow/tfjs-backend-wasm + failure-directions training kernels';
    return true;
  } catch (e) {
    attempts.push(`wasm: ${(e as Error).message}`);
    return false;
  }
}

/**
 * The emscripten glue installs process handlers that rethrow every uncaught exception from inside
 * the glue, so Node prints a screen of minified wasm loader source instead of the user's stack.
 * Remove the handlers it added (they do nothing else in Node).
 */
function dropEmscriptenHandlers(before: { uncaughtException: readonly unknown[]; unhandledRejection: readonly unknown[] }): void {
  for (const ev of ['uncaughtException', 'unhandledRejection'] as const) {
    for (const l of (process as NodeJS.EventEmitter).listeners(ev)) {
      if (!before[ev].includes(l)) (process as NodeJS.EventEmitter).removeListener(ev, l as (...a: unknown[]) => void);
    }
  }
}

async function choose(prefer?: BackendChoice): Promise<string> {
  const order: BackendChoice[] = prefer ? [prefer] : ['tensorflow', 'wasm', 'cpu'];
  for (const b of order) {
    if (b === 'tensorflow' && (await tryTensorflow())) break;
    if (b === 'wasm' && (await tryWasm())) break;
    if (b === 'cpu') {
      if (await tf.setBackend('cpu')) {
        chosenDetail = 'pure-JS cpu (slow: ~30x slower than wasm)';
        break;
      }
      attempts.push('cpu: did not initialise');
    }
    if (prefer) throw new Error(`backend '${prefer}' could not be loaded: ${attempts.join('; ')}`);
  }
  await tf.ready();
  ready = true;
  return tf.getBackend();
}

/**
 * Selects and initialises the fastest available tfjs backend once per process (later calls return
 * the same promise) and returns its name. Every model/embedding helper calls this first.
 *
 * @example
 * ```ts
 * await fd.ensureBackend(); // 'wasm' on a machine without tfjs-node
 * fd.backendName();         // 'wasm'
 * ```
 */
export function ensureBackend(opts: EnsureBackendOptions = {}): Promise<string> {
  const env = process.env.FD_BACKEND?.trim() as BackendChoice | undefined;
  const prefer = opts.prefer ?? (env || undefined);
  if (prefer && !['tensorflow', 'wasm', 'cpu'].includes(prefer)) {
    return Promise.reject(new RangeError(`unknown backend ${JSON.stringify(prefer)} (FD_BACKEND or prefer): use tensorflow, wasm or cpu`));
  }
  if (!chosen) {
    chosen = choose(prefer).catch((e) => {
      chosen = undefined;
      throw e;
    });
  }
  return chosen;
}

/**
 * The active tfjs backend's name (`'tensorflow'`, `'wasm'`, `'cpu'`, ...), or `undefined` before
 * {@link ensureBackend} has finished.
 *
 * @example
 * ```ts
 * await fd.ensureBackend();
 * console.log(`training on ${fd.backendName()}`);
 * ```
 */
export function backendName(): string | undefined {
  return ready ? tf.getBackend() : undefined;
}

/**
 * How the backend was chosen: the package that supplied it and why the faster ones were skipped.
 *
 * @example
 * ```ts
 * await fd.ensureBackend();
 * backendReport(); // { backend: 'wasm', detail: '...', skipped: ['@tensorflow/tfjs-node-gpu: not loadable (...)', ...] }
 * ```
 */
export function backendReport(): { backend: string | undefined; detail: string; skipped: string[] } {
  return { backend: backendName(), detail: chosenDetail, skipped: attempts.slice() };
}
