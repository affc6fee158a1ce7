/**
 * A CLIP-style joint image-text encoder from a local folder: the image tower and the text tower as
 * ONNX files (run with ONNX Runtime) and a Hugging Face `tokenizer.json`, read offline.
 *
 * Tokenizer: `@huggingface/tokenizers` (Hugging Face's pure-JS port of `tokenizers`, no dependencies,
 * no network: it takes the parsed tokenizer.json object). It implements CLIP's pipeline (NFC,
 * whitespace, lowercase, the CLIP split regex, byte-level BPE with `</w>`, start/end tokens) and is
 * the same code `@huggingface/transformers` uses, without that package's second copy of ONNX Runtime
 * (onnxruntime-web), its Jinja templates and its hub client.
 *
 * Folder layout (written by the Python snippet in the README for OpenAI CLIP / open_clip):
 *   visual.onnx     pixel_values float32 [N, 3, S, S]  ->  image_embeds [N, D]   (encode_image)
 *   textual.onnx    input_ids int64 [N, L]             ->  text_embeds  [N, D]   (encode_text)
 *   tokenizer.json  the Hugging Face tokenizer of the model (e.g. openai/clip-vit-base-patch32)
 *   clip.json       optional: imageSize, interpolation, mean, std, contextLength, padTokenId,
 *                   logitScale, name (defaults: OpenAI CLIP's values, the text input's length)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { hashParts } from '../util/hash';
import type { ImageDataset } from '../data/image-dataset';
import { assertDataset } from '../data/subset';
import type { Matrix } from '../util/matrix';
import { CLIP_MEAN, CLIP_STD, type ImageTransform, type ImageTransformOptions, type Interpolation, imageTransform } from '../model/image-transform';
import { checkFits, type OnnxImageInput, resolveImageInput, runOverSplit } from '../model/onnx-image-model';
import { type OnnxFile, OnnxSession, readOnnxFile } from '../model/onnx/graph';
import { defaultThreads } from '../model/onnx/runtime';
import type { EmbedOptions, JointEncoder } from './encoder';

/** Format tag of `clip.json`. */
export const CLIP_FOLDER_FORMAT = 'failure-directions/clip-onnx';

/** The contents of `clip.json` (every field optional). */
export interface ClipFolderConfig {
  format?: string;
  version?: number;
  name?: string;
  /** Side of the square image the image tower takes (default: from visual.onnx, else 224). */
  imageSize?: number;
  /** Default 'bicubic' (CLIP's). */
  interpolation?: Interpolation;
  mean?: number[];
  std?: number[];
  /** Tokens per text (default: the text input's length in textual.onnx, else 77). */
  contextLength?: number;
  /** Id padding a text to the context length (default 0, as OpenAI CLIP and open_clip pad). */
  padTokenId?: number;
  /** exp(logit_scale) of the trained model (100 for OpenAI CLIP); scales similarities into logits. */
  logitScale?: number;
}

/** Options of {@link clipEncoder}. */
export interface ClipEncoderOptions {
  /** ONNX Runtime threads (default `FD_THREADS`, else all cores). */
  threads?: number;
  /** Images per forward pass (default 64). */
  batchSize?: number;
  /** L2-normalise embeddings (default true: CLIP compares unit vectors). */
  normalize?: boolean;
  /** Cut texts longer than the context to it, ending with the end token (open_clip's behaviour); default false: throw. */
  truncate?: boolean;
  /** Overrides of the image preprocessing (default: `clip.json`, i.e. open_clip's eval transform). */
  transform?: ImageTransformOptions;
}

/** A loaded CLIP folder: a {@link JointEncoder} plus its tokenizer. */
export interface ClipEncoder extends JointEncoder {
  readonly dir: string;
  readonly config: Required<Pick<ClipFolderConfig, 'contextLength' | 'padTokenId'>> & ClipFolderConfig;
  /** exp(logit_scale), when clip.json gives it (else NaN). */
  readonly logitScale: number;
  readonly transform: ImageTransform;
  /** Token ids as the text tower takes them: `texts.length x contextLength`, padded. */
  tokenize(texts: string[]): { ids: Int32Array; rows: number; cols: number };
  /** Words of `text` the tokenizer cannot represent (they encode to its unknown token). */
  unknownWords(text: string): string[];
  /** Frees both ONNX Runtime sessions. */
  dispose(): Promise<void>;
}

const SUPPORTED_MODELS = ['BPE', 'WordPiece', 'Unigram'];

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${what}: ${file} not found`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${what}: ${file} is not valid JSON (${(e as Error).message})`, { cause: e });
  }
}

/** Loads a tokenizer.json with `@huggingface/tokenizers`; throws naming the file for an unsupported or broken one. */
export function loadTokenizerJson(file: string, what = 'tokenizer'): { tokenizer: Tokenizer; unkId: number | undefined; type: string } {
  const json = readJson(file, what) as { model?: { type?: string; unk_token?: string | null; vocab?: unknown } };
  const type = json?.model?.type;
  if (typeof type !== 'string') throw new Error(`${what}: ${file} is not a Hugging Face tokenizer.json (no model.type)`);
  if (!SUPPORTED_MODELS.includes(type)) throw new Error(`${what}: ${file} has a tokenizer of type '${type}', which is not supported (supported: ${SUPPORTED_MODELS.join(', ')})`);
  const dir = path.dirname(file);
  const cfgFile = path.join(dir, 'tokenizer_config.json');
  const config = fs.existsSync(cfgFile) ? (readJson(cfgFile, what) as object) : {};
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json, config);
  } catch (e) {
    throw new Error(`${what}: cannot load ${file}: ${(e as Error).message}`, { cause: e });
  }
  const unk = json.model?.unk_token;
  const unkId = typeof unk === 'string' ? tokenizer.token_to_id(unk) : undefined;
  return { tokenizer, unkId, type };
}

/**
 * Loads a CLIP-style joint encoder from `dir` (see this module's header for the layout; the README
 * shows the Python that exports OpenAI CLIP or open_clip into it). Images go through open_clip's
 * evaluation transform (bicubic resize of the shorter side, centre crop, CLIP mean/std, gray
 * replicated to RGB) and the image tower; texts through the tokenizer (padded to the context) and the
 * text tower. Embeddings are L2-normalised unless `normalize: false`. Works offline; nothing is
 * downloaded.
 *
 * Errors name the file: a missing file, an ONNX file that is not one, a tokenizer.json of an
 * unsupported type, towers with different embedding sizes, and a text longer than the context.
 *
 * @example
 * ```ts
 * const clip = await fd.clipEncoder('models/clip-vit-b-32');
 * const img = await clip.embedImages(test);                        // test.labels.length x 512
 * const txt = await clip.embedTexts(['a photo of a red sneaker']); // 1 x 512
 * ```
 */
export async function clipEncoder(dir: string, opts: ClipEncoderOptions = {}): Promise<ClipEncoder> {
  const what = 'clipEncoder';
  const root = path.resolve(dir);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new Error(`${what}: ${root} is not a folder (expected visual.onnx, textual.onnx, tokenizer.json, clip.json)`);
  const cfgFile = path.join(root, 'clip.json');
  const cfg = (fs.existsSync(cfgFile) ? readJson(cfgFile, what) : {}) as ClipFolderConfig;
  if (cfg.format !== undefined && cfg.format !== CLIP_FOLDER_FORMAT) throw new Error(`${what}: ${cfgFile} has format '${cfg.format}', expected '${CLIP_FOLDER_FORMAT}'`);
  const visual = readOnnxFile(path.join(root, 'visual.onnx'), what);
  const textual = readOnnxFile(path.join(root, 'textual.onnx'), what);
  const { tokenizer, unkId } = loadTokenizerJson(path.join(root, 'tokenizer.json'), what);

  const input: OnnxImageInput = resolveImageInput(visual, { layout: 'nchw' }, what);
  const size = cfg.imageSize ?? input.height ?? 224;
  const transform = imageTransform(
    { resize: size, crop: size, interpolation: cfg.interpolation ?? 'bicubic', mean: cfg.mean ?? CLIP_MEAN, std: cfg.std ?? CLIP_STD, channels: 3, layout: 'nchw', ...opts.transform },
    { channels: 3, layout: 'nchw' },
  );
  const tdims = textual.input.dims;
  if (tdims.length !== 2 || !['int64', 'int32'].includes(textual.input.dtype)) {
    throw new Error(`${what}: ${textual.file} takes '${textual.input.name}' as ${textual.input.dtype} [${tdims.map((d) => d ?? '?').join(', ')}]; a text tower takes token ids [N, context]`);
  }
  const contextLength = cfg.contextLength ?? (typeof tdims[1] === 'number' ? tdims[1] : 77);
  if (typeof tdims[1] === 'number' && tdims[1] !== contextLength) throw new Error(`${what}: ${cfgFile} says contextLength ${contextLength} but ${textual.file} takes ${tdims[1]} tokens`);
  const padTokenId = cfg.padTokenId ?? 0;
  const threads = opts.threads ?? defaultThreads();
  const vs = await OnnxSession.open(visual, [visual.outputs[0].name], what, threads);
  const ts = await OnnxSession.open(textual, [textual.outputs[0].name], what, threads);
  const normalize = opts.normalize ?? true;
  const truncate = opts.truncate ?? false;
  const eot = (ids: number[]) => ids[ids.length - 1];

  const tokenize = (texts: string[]) => {
    if (!Array.isArray(texts)) throw new TypeError(`${what}: texts must be an array of strings`);
    const ids = new Int32Array(texts.length * contextLength).fill(padTokenId);
    texts.forEach((t, i) => {
      if (typeof t !== 'string') throw new TypeError(`${what}: text ${i} is ${typeof t}, not a string`);
      let e = tokenizer.encode(t).ids;
      if (e.length > contextLength) {
        if (!truncate) throw new Error(`${what}: text ${i} ("${t.length > 60 ? t.slice(0, 57) + '...' : t}") has ${e.length} tokens but ${path.basename(textual.file)} takes at most ${contextLength} (its context length); shorten it or pass { truncate: true }`);
        e = [...e.slice(0, contextLength - 1), eot(e)];
      }
      ids.set(e, i * contextLength);
    });
    return { ids, rows: texts.length, cols: contextLength };
  };

  const embedRows = (data: ArrayLike<number>, rows: number): Float32Array => {
    const cols = data.length / rows;
    const out = Float32Array.from(data);
    if (normalize) {
      for (let r = 0; r < rows; r++) {
        let s = 0;
        for (let j = 0; j < cols; j++) s += out[r * cols + j] ** 2;
        const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
        for (let j = 0; j < cols; j++) out[r * cols + j] *= inv;
      }
    }
    return out;
  };

  const runText = async (texts: string[]): Promise<Matrix> => {
    const tok = tokenize(texts);
    const data = textual.input.dtype === 'int64' ? BigInt64Array.from(tok.ids, (v) => BigInt(v)) : tok.ids;
    const r = await ts.run(data, [tok.rows, tok.cols], what);
    const y = r[textual.outputs[0].name];
    return { data: embedRows(y.data, tok.rows), rows: tok.rows, cols: y.data.length / Math.max(tok.rows, 1) };
  };

  // Embedding sizes of both towers, checked once.
  const probeText = await runText(['a photo']);
  const zeros = new Float32Array(3 * size * size);
  const probeImage = (await vs.run(zeros, [1, 3, size, size], what))[visual.outputs[0].name];
  const dim = probeImage.data.length;
  if (probeText.cols !== dim) throw new Error(`${what}: ${visual.file} embeds into ${dim} dimensions but ${textual.file} into ${probeText.cols}; both towers must share one space`);

  const files = [visual, textual] as OnnxFile[];
  const name = cfg.name ?? `clip:${path.basename(root)}`;
  const enc: ClipEncoder = {
    name,
    dim,
    cacheKey: `clip-onnx:${hashParts(files.map((f) => f.sha256))}|transform:${JSON.stringify(transform)}|normalize:${normalize}`,
    dir: root,
    config: { ...cfg, contextLength, padTokenId },
    logitScale: cfg.logitScale ?? NaN,
    transform,
    tokenize,
    async embedImages(split: ImageDataset, eopts: EmbedOptions = {}): Promise<Matrix> {
      assertDataset(split, split.name ?? 'split');
      checkFits(visual, input, transform, split, what);
      const n = split.labels.length;
      const out = new Float32Array(n * dim);
      await runOverSplit(vs, input, transform, split, eopts.batchSize ?? opts.batchSize ?? 64, `embed ${split.name ?? ''}`.trim(), (s, e, r) => {
        out.set(embedRows(r[visual.outputs[0].name].data, e - s), s * dim);
      });
      return { data: out, rows: n, cols: dim };
    },
    async embedTexts(texts: string[]): Promise<Matrix> {
      if (!Array.isArray(texts)) throw new TypeError(`${what}: embedTexts takes an array of strings`);
      const out = new Float32Array(texts.length * dim);
      for (let s = 0; s < texts.length; s += 256) {
        const m = await runText(texts.slice(s, s + 256));
        out.set(m.data, s * dim);
      }
      return { data: out, rows: texts.length, cols: dim };
    },
    unknownWords(text: string): string[] {
      if (unkId === undefined) return [];
      return text
        .split(/\s+/)
        .filter((w) => w && tokenizer.encode(w, { add_special_tokens: false }).ids.includes(unkId));
    },
    async dispose(): Promise<void> {
      await vs.release();
      await ts.release();
    },
  };
  return enc;
}
