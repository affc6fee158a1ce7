/**
 * Image preprocessing as a PyTorch model was trained with: resize, centre crop, scale, mean/std
 * normalisation, channel order and tensor layout, with named presets for the two pipelines almost
 * every exported model expects. Pixels go through Pillow's resampler ({@link PillowResizer}, the
 * one torchvision calls on PIL images) so the tensors equal torchvision's to one grey level; sharp
 * (libvips) is the faster opt-in (`resampler: 'sharp'`), a few grey levels off.
 *
 * | option | torchvision / open_clip equivalent |
 * |---|---|
 * | `resize: 256` | `transforms.Resize(256)` (shorter side to 256, longer side `int(256 * long / short)`) |
 * | `resize: [h, w]` | `transforms.Resize((h, w))` |
 * | `crop: 224` | `transforms.CenterCrop(224)` (offsets rounded half to even, zero padding when larger) |
 * | `interpolation: 'bicubic'` | `InterpolationMode.BICUBIC` / `PIL.Image.BICUBIC` |
 * | `scale: 1 / 255` | `transforms.ToTensor()` |
 * | `mean`, `std` | `transforms.Normalize(mean, std)` |
 * | `channels: 3` on gray data | `img.convert('RGB')` / `transforms.Grayscale(3)` |
 * | `channels: 1` on RGB data | `img.convert('L')` (ITU-R 601-2 luma, Pillow's integer formula) |
 * | `channelOrder: 'bgr'` | `x[:, ::-1]` (Caffe-style models) |
 * | `layout: 'nhwc'` | `x.permute(0, 2, 3, 1)` (TensorFlow-style models) |
 *
 * Presets: `'imagenet'` = torchvision's ImageNet evaluation transform (`Resize(256)`,
 * `CenterCrop(224)`, bilinear, ImageNet mean/std); `'clip'` = OpenAI CLIP / open_clip's
 * `image_transform(224, is_train=False)` (`Resize(224, BICUBIC)`, `CenterCrop(224)`, RGB, CLIP
 * mean/std). Gray images (MNIST, Fashion-MNIST) are resized as gray and replicated to RGB, which is
 * exactly what `convert('RGB')` before or after `Resize` gives.
 */
import sharp from 'sharp';
import type { ImageDataset } from '../data/image-dataset';
import { type Interpolation, PillowResizer } from './resample';

export type { Interpolation } from './resample';

/** torchvision's ImageNet normalisation (`transforms.Normalize`), RGB order, for `ToTensor()` input. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];
/** OpenAI CLIP's normalisation (open_clip `OPENAI_DATASET_MEAN` / `OPENAI_DATASET_STD`). */
export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];

/** Named preprocessing pipelines (see the table in this module's header). */
export type TransformPreset = 'imagenet' | 'clip' | 'none';

/** How images become a model's input tensor. Unset fields come from `preset`, then from the model. */
export interface ImageTransformOptions {
  /** Start from a named pipeline; every other field overrides it. */
  preset?: TransformPreset;
  /** Shorter side to this many pixels (a number), or exactly `[height, width]`; `null`: no resize. */
  resize?: number | [number, number] | null;
  /** Centre crop to a square of this side, or `[height, width]`; `null`: no crop. */
  crop?: number | [number, number] | null;
  /** Resampling filter (Pillow's names); default `'bilinear'` (torchvision's default). */
  interpolation?: Interpolation;
  /** Multiply uint8 pixels by this before normalising (default `1 / 255`, i.e. `ToTensor()`). */
  scale?: number;
  /** Per-channel mean subtracted after scaling (in the model's channel order as given: RGB unless `channelOrder` is 'bgr'); default 0. */
  mean?: number[];
  /** Per-channel standard deviation divided by after subtracting the mean; default 1. */
  std?: number[];
  /** Channels the model takes; default: from the model's input shape. */
  channels?: 1 | 3;
  /** `'rgb'` (default) or `'bgr'`. */
  channelOrder?: 'rgb' | 'bgr';
  /** Tensor layout; default: from the model's input shape, else `'nchw'` (PyTorch). */
  layout?: 'nchw' | 'nhwc';
  /** `'pil'` (default): Pillow's resampler, equal to torchvision; `'sharp'`: libvips, faster, a few grey levels off. */
  resampler?: 'pil' | 'sharp';
}

/** A fully resolved transform: what {@link transformImages} does to every image. */
export interface ImageTransform {
  resize: number | [number, number] | null;
  crop: [number, number] | null;
  interpolation: Interpolation;
  scale: number;
  mean: number[];
  std: number[];
  channels: 1 | 3;
  channelOrder: 'rgb' | 'bgr';
  layout: 'nchw' | 'nhwc';
  resampler: 'pil' | 'sharp';
}

const PRESETS: Record<TransformPreset, Partial<ImageTransform>> = {
  imagenet: { resize: 256, crop: [224, 224], interpolation: 'bilinear', scale: 1 / 255, mean: IMAGENET_MEAN, std: IMAGENET_STD, channels: 3, channelOrder: 'rgb' },
  clip: { resize: 224, crop: [224, 224], interpolation: 'bicubic', scale: 1 / 255, mean: CLIP_MEAN, std: CLIP_STD, channels: 3, channelOrder: 'rgb' },
  none: {},
};

const INTERPOLATIONS: Interpolation[] = ['nearest', 'box', 'bilinear', 'hamming', 'bicubic', 'lanczos'];

function size2(v: unknown, what: string): [number, number] {
  const ok = (x: unknown) => Number.isInteger(x) && (x as number) > 0;
  if (ok(v)) return [v as number, v as number];
  if (Array.isArray(v) && v.length === 2 && v.every(ok)) return [v[0], v[1]];
  throw new RangeError(`image transform: ${what} must be a positive integer or [height, width], got ${JSON.stringify(v)}`);
}

/**
 * Resolves a preset plus explicit options (plus what the model's input shape says: `channels`,
 * `layout`, and a fixed `height x width` used as the final size when nothing else sets one) into a
 * checked {@link ImageTransform}.
 *
 * @example
 * ```ts
 * fd.imageTransform({ preset: 'imagenet' });            // Resize(256), CenterCrop(224), ImageNet mean/std
 * fd.imageTransform({ resize: [28, 28], mean: [0.286], std: [0.353], channels: 1 });
 * ```
 */
export function imageTransform(opts: ImageTransformOptions = {}, model: { height?: number; width?: number; channels?: number; layout?: 'nchw' | 'nhwc' } = {}): ImageTransform {
  if (opts == null || typeof opts !== 'object') throw new TypeError(`image transform: options must be an object, got ${opts}`);
  const preset = opts.preset ?? 'none';
  if (!(preset in PRESETS)) throw new RangeError(`image transform: unknown preset '${preset}' (use ${Object.keys(PRESETS).join(', ')})`);
  const p = PRESETS[preset];
  const pick = <K extends keyof ImageTransformOptions>(k: K) => (opts[k] !== undefined ? opts[k] : (p as ImageTransformOptions)[k]);
  let resize = pick('resize') ?? null;
  if (resize !== null) {
    if (typeof resize === 'number') size2(resize, 'resize');
    else resize = size2(resize, 'resize');
  }
  const crop = pick('crop') == null ? null : size2(pick('crop'), 'crop');
  // A model with a fixed input size and no size set by the options: resize to exactly that size.
  if (resize === null && crop === null && model.height && model.width) resize = [model.height, model.width];
  const interpolation = pick('interpolation') ?? 'bilinear';
  if (!INTERPOLATIONS.includes(interpolation)) throw new RangeError(`image transform: unknown interpolation '${interpolation}' (use ${INTERPOLATIONS.join(', ')})`);
  const channels = (pick('channels') ?? (model.channels === 1 || model.channels === 3 ? model.channels : 3)) as 1 | 3;
  if (channels !== 1 && channels !== 3) throw new RangeError(`image transform: channels must be 1 or 3, got ${channels}`);
  const scale = pick('scale') ?? 1 / 255;
  if (!(typeof scale === 'number' && Number.isFinite(scale) && scale > 0)) throw new RangeError(`image transform: scale must be a positive number, got ${scale}`);
  const vec = (v: number[] | undefined, fill: number, what: string): number[] => {
    if (v === undefined) return new Array(channels).fill(fill);
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new TypeError(`image transform: ${what} must be an array of numbers, got ${JSON.stringify(v)}`);
    if (v.length === 1) return new Array(channels).fill(v[0]);
    if (v.length !== channels) throw new RangeError(`image transform: ${what} has ${v.length} values but the model takes ${channels} channel(s)`);
    return v.slice();
  };
  const mean = vec(pick('mean'), 0, 'mean');
  const std = vec(pick('std'), 1, 'std');
  if (std.some((s) => s === 0)) throw new RangeError('image transform: std must not contain 0');
  const channelOrder = pick('channelOrder') ?? 'rgb';
  if (channelOrder !== 'rgb' && channelOrder !== 'bgr') throw new RangeError(`image transform: channelOrder must be 'rgb' or 'bgr', got ${channelOrder}`);
  const layout = pick('layout') ?? model.layout ?? 'nchw';
  if (layout !== 'nchw' && layout !== 'nhwc') throw new RangeError(`image transform: layout must be 'nchw' or 'nhwc', got ${layout}`);
  const resampler = pick('resampler') ?? 'pil';
  if (resampler !== 'pil' && resampler !== 'sharp') throw new RangeError(`image transform: resampler must be 'pil' or 'sharp', got ${resampler}`);
  if (resampler === 'sharp' && (interpolation === 'box' || interpolation === 'hamming')) throw new RangeError(`image transform: sharp has no '${interpolation}' filter; use resampler 'pil'`);
  return { resize, crop, interpolation, scale, mean, std, channels, channelOrder, layout, resampler };
}

/** Height and width after resizing an `h x w` image (torchvision's `_compute_resized_output_size`). */
export function resizedSize(h: number, w: number, resize: ImageTransform['resize']): [number, number] {
  if (resize === null) return [h, w];
  if (typeof resize !== 'number') return resize;
  if (w <= h) return [Math.trunc((resize * h) / w), resize];
  return [resize, Math.trunc((resize * w) / h)];
}

/** The `[height, width]` of the tensor a transform makes from `h x w` images. */
export function outputSize(h: number, w: number, t: ImageTransform): [number, number] {
  return t.crop ?? resizedSize(h, w, t.resize);
}

/** Python's round(): half to even, as torchvision's center_crop uses. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Top-left offset of torchvision's centre crop along one axis (negative = zero padding before). */
function cropOffset(size: number, crop: number): number {
  if (crop > size) return -Math.floor((crop - size) / 2);
  return roundHalfEven((size - crop) / 2);
}

/**
 * Images `start..end-1` of `split` as the model's input: a float32 tensor `[n, C, H, W]` (or
 * `[n, H, W, C]`), resized, cropped, channel-converted and normalised by `t`.
 *
 * @example
 * ```ts
 * const x = await transformImages(test, 0, 64, fd.imageTransform({ preset: 'imagenet' })); // 64*3*224*224 floats
 * ```
 */
export async function transformImages(split: ImageDataset, start: number, end: number, t: ImageTransform): Promise<{ data: Float32Array; dims: [number, number, number, number] }> {
  const pixels = await transformPixels(split, start, end, t);
  const { height: H, width: W } = pixels;
  const C = t.channels;
  const n = end - start;
  const out = new Float32Array(n * C * H * W);
  const order = t.channelOrder === 'bgr' && C === 3 ? [2, 1, 0] : [0, 1, 2];
  // v = (p * scale - mean) / std, computed as torchvision does in float32: ToTensor, then sub, then div.
  const f = Math.fround;
  const scale = f(t.scale);
  const lut: Float32Array[] = [];
  for (let c = 0; c < C; c++) {
    const m = f(t.mean[c]);
    const s = f(t.std[c]);
    const table = new Float32Array(256);
    for (let p = 0; p < 256; p++) table[p] = f(f(f(t.scale === 1 / 255 ? p / 255 : p * scale) - m) / s);
    lut.push(table);
  }
  const px = pixels.data;
  const plane = H * W;
  for (let i = 0; i < n; i++) {
    const base = i * plane * C;
    for (let c = 0; c < C; c++) {
      const src = order[c];
      const table = lut[c];
      if (t.layout === 'nchw') {
        const o = base + c * plane;
        for (let q = 0; q < plane; q++) out[o + q] = table[px[base + q * C + src]];
      } else {
        for (let q = 0; q < plane; q++) out[base + q * C + c] = table[px[base + q * C + src]];
      }
    }
  }
  return { data: out, dims: t.layout === 'nchw' ? [n, C, H, W] : [n, H, W, C] };
}

/**
 * Images `start..end-1` of `split` resized, centre-cropped and channel-converted by `t`, still as
 * uint8 `H x W x C` pixels back to back (C = `t.channels`, RGB order): what the model's tensor is
 * made of before scaling and normalising. For checking preprocessing and for uint8-input models.
 *
 * @example
 * ```ts
 * const { data, height, width } = await transformPixels(test, 0, 8, fd.imageTransform({ preset: 'clip' }));
 * ```
 */
export async function transformPixels(split: ImageDataset, start: number, end: number, t: ImageTransform): Promise<{ data: Uint8Array; height: number; width: number }> {
  const { height: h, width: w } = split;
  const n = end - start;
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end <= split.labels.length && start <= end)) {
    throw new RangeError(`transformPixels: rows ${start}..${end} are outside ${split.name ?? 'the split'} (0..${split.labels.length})`);
  }
  const inC = split.channels;
  if (inC !== 1 && inC !== 3 && inC !== 4) throw new RangeError(`${split.name ?? 'split'} has ${inC} channels; images must be gray (1), RGB (3) or RGBA (4)`);
  const C = t.channels;
  // Channel conversion first, on the source pixels (gray -> RGB replicates, so it commutes with resizing).
  const workC = C === 3 && inC === 1 ? 1 : C;
  const src = convertChannels(split.images.subarray(start * h * w * inC, end * h * w * inC), n * h * w, inC, workC);
  const [rh, rw] = resizedSize(h, w, t.resize);
  const [oh, ow] = t.crop ?? [rh, rw];
  const resized = new Uint8Array(n * rh * rw * workC);
  if (rh === h && rw === w) resized.set(src);
  else if (t.resampler === 'sharp') {
    const kernel = { nearest: 'nearest', bilinear: 'linear', bicubic: 'cubic', lanczos: 'lanczos3' }[t.interpolation as 'nearest'] as 'nearest';
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const img = Buffer.from(src.buffer, src.byteOffset + i * h * w * workC, h * w * workC);
      jobs.push(
        sharp(img, { raw: { width: w, height: h, channels: workC as 1 | 3 } })
          .resize({ width: rw, height: rh, fit: 'fill', kernel })
          .toColourspace(workC === 1 ? 'b-w' : 'srgb')
          .raw()
          .toBuffer()
          .then((b) => resized.set(b.subarray(0, rh * rw * workC), i * rh * rw * workC)),
      );
    }
    await Promise.all(jobs);
  } else {
    const r = new PillowResizer(h, w, rh, rw, workC, t.interpolation);
    for (let i = 0; i < n; i++) r.run(src, i * h * w * workC, resized, i * rh * rw * workC);
  }
  // Centre crop (zero padding where the crop is larger), then gray -> RGB when needed.
  const top = cropOffset(rh, oh);
  const left = cropOffset(rw, ow);
  const out = new Uint8Array(n * oh * ow * C);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < oh; y++) {
      const sy = y + top;
      if (sy < 0 || sy >= rh) continue;
      for (let x = 0; x < ow; x++) {
        const sx = x + left;
        if (sx < 0 || sx >= rw) continue;
        const s = ((i * rh + sy) * rw + sx) * workC;
        const d = ((i * oh + y) * ow + x) * C;
        if (workC === C) for (let c = 0; c < C; c++) out[d + c] = resized[s + c];
        else out[d] = out[d + 1] = out[d + 2] = resized[s];
      }
    }
  }
  return { data: out, height: oh, width: ow };
}

/** `count` pixels of `inC` channels as `outC` channels (RGBA drops alpha; RGB -> gray uses Pillow's luma). */
function convertChannels(px: Uint8Array, count: number, inC: number, outC: number): Uint8Array {
  if (inC === outC) return px;
  const out = new Uint8Array(count * outC);
  for (let i = 0; i < count; i++) {
    const s = i * inC;
    if (outC === 1) {
      // Pillow's convert('L'): L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16
      out[i] = inC === 1 ? px[s] : (px[s] * 19595 + px[s + 1] * 38470 + px[s + 2] * 7471 + 0x8000) >> 16;
    } else if (inC === 1) {
      out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = px[s];
    } else {
      out[i * 3] = px[s];
      out[i * 3 + 1] = px[s + 1];
      out[i * 3 + 2] = px[s + 2];
    }
  }
  return out;
}
