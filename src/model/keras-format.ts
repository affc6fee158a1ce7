/**
 * Recognising a tfjs `model.json` whose layers topology is in the Keras 3 format, which tfjs 4.x
 * cannot read (it fails with "An InputLayer should be passed either a `batchInputShape` or an
 * `inputShape`" or "Corrupted configuration, expected array for nodeData"), so the loader can say
 * which file, why, and what works instead.
 *
 * Since Keras 3 (TensorFlow 2.16+), `tensorflowjs_converter` / `tfjs.converters.save_keras_model`
 * copy Keras's own model config into `model.json` unchanged, and that config changed shape
 * (tensorflow/tfjs#8328, #8358, #8494): an `InputLayer` carries `batch_shape` instead of
 * `batch_input_shape`; `inbound_nodes` are call records `{args: [{class_name: '__keras_tensor__',
 * config: {keras_history: [layer, node, tensor]}}], kwargs}` instead of `[[layer, node, tensor,
 * kwargs]]`; `dtype` is a `DTypePolicy` object instead of a string. Only these structural markers
 * decide: a file that says `keras_version: 3.x` but was rewritten into the Keras 2 shape loads.
 */

/**
 * Thrown by `loadModel` (and by tfjs loads through the `file://` route) for a Keras 3 `model.json`:
 * names the file and says what in it is Keras 3 format and what works instead.
 *
 * @example
 * ```ts
 * try {
 *   await fd.loadModel('models/from-keras3');
 * } catch (e) {
 *   if (e instanceof fd.Keras3FormatError) console.log(e.file, e.kerasVersion, e.evidence);
 *   else throw e;
 * }
 * ```
 */
export class Keras3FormatError extends Error {
  /** The model.json path or URL. */
  readonly file: string;
  /** `keras_version` recorded in the file, when present. */
  readonly kerasVersion?: string;
  /** What in the file is Keras 3 format (one sentence each). */
  readonly evidence: string[];
  constructor(file: string, evidence: string[], kerasVersion?: string, convertedBy?: string) {
    const from = [kerasVersion ? `keras_version ${kerasVersion}` : '', convertedBy ? `converted by ${convertedBy}` : ''].filter(Boolean).join(', ');
    super(
      `${file} is a Keras 3 model${from ? ` (${from})` : ''}: its layers topology is in the Keras 3 format, which TensorFlow.js ` +
        `(tfjs 4.x, used here) cannot read: ${evidence.slice(0, 3).join('; ')}${evidence.length > 3 ? `; and ${evidence.length - 3} more` : ''}. ` +
        'What works: (1) export a TensorFlow SavedModel from Keras 3 (`model.export("exported")`), convert it to a tfjs graph model ' +
        '(`tensorflowjs_converter --input_format=tf_saved_model exported tfjs_model`) and load that folder with fd.loadModel ' +
        '(predict and modelEncoder take GraphModels; name the embedding node with { layer }); ' +
        '(2) or re-save in the Keras 2 format: build the model with tf_keras (`pip install tf_keras`, TF_USE_LEGACY_KERAS=1), ' +
        'copy the weights, save a .h5 and convert it with `tensorflowjs_converter --input_format=keras`; ' +
        '(3) or compute predictions and embeddings in Python and load them with fd.readPredictionsCsv and fd.loadNpy (no model file needed).',
    );
    this.name = 'Keras3FormatError';
    this.file = file;
    this.evidence = evidence;
    if (kerasVersion) this.kerasVersion = kerasVersion;
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v != null && typeof v === 'object' && !Array.isArray(v);

/**
 * The Keras 3 markers in a layers-model topology (the `modelTopology` of a model.json), one sentence
 * each; empty when the topology is in the Keras 2 shape tfjs reads. Walks nested models.
 *
 * @example
 * ```ts
 * import * as fs from 'node:fs';
 * const json = JSON.parse(fs.readFileSync('model/model.json', 'utf8'));
 * keras3Markers(json.modelTopology); // [] for a file tfjs can read
 * ```
 */
export function keras3Markers(modelTopology: unknown): string[] {
  if (!isObject(modelTopology)) return [];
  const root = isObject(modelTopology.model_config) ? modelTopology.model_config : modelTopology;
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (kind: string, text: string) => {
    // One sentence per kind of marker, naming the first layer it was found on, with a count.
    if (seen.has(kind)) return;
    seen.add(kind);
    out.push(text);
  };
  let policies = 0;
  let callRecords = 0;
  const visitModel = (model: Json, where: string) => {
    const config = isObject(model.config) ? model.config : undefined;
    if (!config) return;
    for (const key of ['input_layers', 'output_layers'] as const) {
      const v = config[key];
      if (Array.isArray(v) && typeof v[0] === 'string') add(key, `${where}'s ${key} is one flat [layer, node, tensor] (Keras 3) where tfjs needs a list of them`);
    }
    const layers = Array.isArray(config.layers) ? config.layers : [];
    for (const layer of layers) {
      if (!isObject(layer)) continue;
      const lc = isObject(layer.config) ? layer.config : {};
      const name = String(lc.name ?? layer.name ?? '?');
      if (layer.class_name === 'InputLayer' && 'batch_shape' in lc && !('batch_input_shape' in lc) && !('batchInputShape' in lc)) {
        add('batch_shape', `InputLayer '${name}' has 'batch_shape' ${JSON.stringify(lc.batch_shape)} where tfjs needs 'batch_input_shape'`);
      }
      if (isObject(lc.dtype) && /DTypePolicy$/.test(String(lc.dtype.class_name ?? ''))) {
        policies++;
        add('dtype', `layer '${name}' has a Keras 3 dtype policy object (${String(lc.dtype.class_name)}) where tfjs needs a dtype string`);
      }
      const inbound = layer.inbound_nodes;
      if (Array.isArray(inbound) && inbound.some((n) => isObject(n) && 'args' in n)) {
        callRecords++;
        add('inbound', `layer '${name}' lists its inputs as Keras 3 call records ({args, kwargs} with __keras_tensor__ / keras_history) where tfjs needs [[layer, node, tensor, kwargs]]`);
      }
      if (Array.isArray(lc.layers)) visitModel(layer, `nested model '${name}'`);
    }
  };
  visitModel(root, `model '${String((isObject(root.config) && root.config.name) || root.class_name || 'model')}'`);
  // Say how widespread the per-layer markers are (a whole model, not one odd layer).
  return out.map((s) =>
    s.includes('dtype policy') && policies > 1 ? `${s} (${policies} layers)` : s.includes('call records') && callRecords > 1 ? `${s} (${callRecords} layers)` : s,
  );
}

/**
 * Throws {@link Keras3FormatError} naming `file` when `modelJson` (a parsed model.json) is a layers
 * model in the Keras 3 format; returns quietly for graph models and Keras 2 layers models.
 */
export function assertNotKeras3(modelJson: unknown, file: string): void {
  if (!isObject(modelJson)) return;
  const topology = modelJson.modelTopology;
  if (modelJson.format === 'graph-model' || (isObject(topology) && Array.isArray(topology.node))) return;
  const markers = keras3Markers(topology);
  if (markers.length === 0) return;
  const version = isObject(topology) && typeof topology.keras_version === 'string' ? topology.keras_version : undefined;
  const convertedBy = typeof modelJson.convertedBy === 'string' ? modelJson.convertedBy : undefined;
  throw new Keras3FormatError(file, markers, version, convertedBy);
}
