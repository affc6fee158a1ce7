/**
 * Saving and loading tfjs models on the local file system (`model.json` + `weights.bin`), for both
 * LayersModels and converted GraphModels, without `@tensorflow/tfjs-node`. Importing this module also
 * registers a `file://` route so `model.save('file://dir')` and `tf.loadLayersModel('file://dir/model.json')`
 * work, unless tfjs-node already provides one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../util/fs-atomic';
import { ensureBackend } from './backend';
import { assertNotKeras3 } from './keras-format';
import type { AnyModel } from './model-input';

const WEIGHTS_FILE = 'weights.bin';

function stripScheme(p: string): string {
  return p.startsWith('file://') ? p.slice('file://'.length) : p;
}

/** The model.json path for a directory, a `.json` path or a `file://` URL. */
function modelJsonPath(p: string): string {
  const q = path.resolve(stripScheme(p));
  return q.endsWith('.json') ? q : path.join(q, 'model.json');
}

function specBytes(specs: tf.io.WeightsManifestEntry[]): number {
  const size: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, float16: 2, uint16: 2, int16: 2, complex64: 8 };
  let total = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const dtype = (s.quantization?.dtype ?? s.dtype) as string;
    if (dtype === 'string') return -1; // variable length
    total += n * (size[dtype] ?? 4);
  }
  return total;
}

/**
 * An IOHandler reading and writing `model.json` + `weights.bin` under `dir` (a directory, a
 * `model.json` path or a `file://` URL). Writes are atomic (temp file + rename; weights first, so a
 * `model.json` never points at partial weights). Errors name the offending file.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * await model.save(fileSystemHandler('/tmp/my-model'));
 * const again = await tf.loadLayersModel(fileSystemHandler('/tmp/my-model'));
 * ```
 */
export function fileSystemHandler(dir: string): tf.io.IOHandler {
  const jsonPath = modelJsonPath(dir);
  const base = path.dirname(jsonPath);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new Error(`${jsonPath}: binary model topologies are not supported; save a JSON topology`);
      const manifest: tf.io.WeightsManifestConfig = [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }];
      const modelJson: Record<string, unknown> = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: manifest,
      };
      for (const k of ['signature', 'userDefinedMetadata', 'modelInitializer', 'initializerSignature', 'trainingConfig'] as const) {
        if (artifacts[k] != null) modelJson[k] = artifacts[k];
      }
      const weights = artifacts.weightData ? new Uint8Array(tf.io.concatenateArrayBuffers(artifacts.weightData as ArrayBuffer | ArrayBuffer[])) : new Uint8Array(0);
      writeFileAtomic(path.join(base, WEIGHTS_FILE), weights);
      writeFileAtomic(jsonPath, Buffer.from(JSON.stringify(modelJson)));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      let text: string;
      try {
        text = fs.readFileSync(jsonPath, 'utf8');
      } catch (e) {
        throw new Error(`cannot read model file ${jsonPath}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, { cause: e });
      }
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(text) as tf.io.ModelJSON;
      } catch (e) {
        throw new Error(`${jsonPath} is not valid JSON: ${(e as Error).message}`, { cause: e });
      }
      if (modelJson == null || typeof modelJson !== 'object' || modelJson.modelTopology == null) throw new Error(`${jsonPath} has no modelTopology: not a tfjs model.json`);
      // tfjs's own error for these is a bare "InputLayer should be passed either a batchInputShape or an inputShape".
      assertNotKeras3(modelJson, jsonPath);
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const buffers: Uint8Array[] = [];
        for (const group of manifest) {
          const groupBuffers: Uint8Array[] = [];
          for (const p of group.paths) {
            const f = path.resolve(base, p);
            try {
              groupBuffers.push(fs.readFileSync(f));
            } catch (e) {
              throw new Error(`cannot read weights file ${f} listed in ${jsonPath}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, { cause: e });
            }
          }
          const expected = specBytes(group.weights);
          const got = groupBuffers.reduce((s, b) => s + b.length, 0);
          if (expected >= 0 && got !== expected) {
            throw new Error(`weights file(s) ${group.paths.join(', ')} of ${jsonPath} hold ${got} bytes but the manifest needs ${expected}: truncated or mismatched`);
          }
          buffers.push(...groupBuffers);
        }
        const total = buffers.reduce((s, b) => s + b.length, 0);
        const all = new Uint8Array(total);
        let off = 0;
        for (const b of buffers) {
          all.set(b, off);
          off += b.length;
        }
        return [tf.io.getWeightSpecs(manifest), all.buffer];
      });
    },
  };
}

let routed = false;
/**
 * Registers the `file://` save/load route once (skipped when another handler, e.g. tfjs-node's,
 * serves it). Runs when this module loads; exported for code that resets tfjs's IO registry.
 *
 * @example
 * ```ts
 * registerFileRoute();
 * await model.save('file:///tmp/my-model');
 * ```
 */
export function registerFileRoute(): void {
  if (routed) return;
  routed = true;
  const probe = 'file:///__failure_directions_probe__';
  if (tf.io.getSaveHandlers(probe).length === 0) {
    tf.io.registerSaveRouter(((url: string | string[]) => (typeof url === 'string' && url.startsWith('file://') ? fileSystemHandler(url) : null)) as (url: string | string[]) => tf.io.IOHandler);
  }
  if (tf.io.getLoadHandlers(probe).length === 0) {
    tf.io.registerLoadRouter(((url: string | string[]) => (typeof url === 'string' && url.startsWith('file://') ? fileSystemHandler(url) : null)) as (url: string | string[]) => tf.io.IOHandler);
  }
}
registerFileRoute();

/**
 * Saves a LayersModel or GraphModel as `dir/model.json` + `dir/weights.bin` (atomically), keeping
 * this package's metadata (class names, input spec, training history). `dir` may be a path or a
 * `file://` URL.
 *
 * @example
 * ```ts
 * await fd.saveModel(model, 'models/colored-mnist-cnn');
 * const back = await fd.loadModel('models/colored-mnist-cnn');
 * ```
 */
export async function saveModel(model: AnyModel, dir: string): Promise<{ path: string; bytes: number }> {
  if (model == null || typeof (model as { save?: unknown }).save !== 'function') throw new TypeError('saveModel: expected a tfjs LayersModel or GraphModel');
  const result = await (model as tf.LayersModel).save(fileSystemHandler(dir));
  const info = result.modelArtifactsInfo;
  return { path: modelJsonPath(dir), bytes: (info.weightDataBytes ?? 0) + (info.modelTopologyBytes ?? 0) };
}

/**
 * Loads a tfjs model saved by {@link saveModel}, by `model.save('file://...')`, by tfjs-node, or by
 * the tfjs converter (a GraphModel with sharded weights): `location` is a directory, a `model.json`
 * path, a `file://` URL, or an `http(s)://` URL handed to tfjs. Returns a LayersModel or a GraphModel
 * according to the file's format.
 *
 * A layers model written by Keras 3 (TensorFlow 2.16+ with `tensorflowjs_converter`) is in a format
 * tfjs cannot read; it is refused with a {@link Keras3FormatError} that names the file, what in it is
 * Keras 3 format, and what works instead (a SavedModel converted to a graph model, a Keras 2 re-save,
 * or predictions + embeddings from Python).
 *
 * @example
 * ```ts
 * const model = await fd.loadModel('models/colored-mnist-cnn');
 * const table = await fd.predict(model, test);
 * ```
 */
export async function loadModel(location: string): Promise<AnyModel> {
  await ensureBackend();
  if (/^https?:\/\//.test(location)) {
    // Read model.json first (small) to name a Keras 3 file; a failed read is left to tfjs to report.
    let json: unknown;
    try {
      const res = await fetch(location);
      if (res.ok) json = await res.json();
    } catch {
      json = undefined;
    }
    assertNotKeras3(json, location);
    try {
      return await tf.loadLayersModel(location);
    } catch {
      return tf.loadGraphModel(location);
    }
  }
  const handler = fileSystemHandler(location);
  const artifacts = await handler.load!();
  const topology = artifacts.modelTopology as Record<string, unknown> | undefined;
  const isGraph = artifacts.format === 'graph-model' || (topology != null && Array.isArray((topology as { node?: unknown }).node));
  const memory = tf.io.fromMemory(artifacts);
  return isGraph ? tf.loadGraphModel(memory) : tf.loadLayersModel(memory);
}
