/**
 * Conv2D gradients for the wasm backend by im2col + matMul.
 *
 * Filter gradient: dW[K, Co] = cols(x)^T [K, M] . dy [M, Co], where M = N*Ho*Wo and
 * K = kh*kw*Ci; the transposed column matrix is written directly so the matMul runs on wasm's fast
 * (untransposed, batch-1) path. Input gradient: dcols [M, K] = dy [M, Co] . W^T [Co, K], then
 * col2im scatter-adds dcols into dx. Both are exact for any stride and padding (unlike deriving the
 * 2-D filter gradient from wasm's 3-D kernel, which is wrong for stride > 1). Work is chunked over
 * images so the column matrix stays small.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { backend_util, TensorInfo, NamedAttrMap } from '@tensorflow/tfjs';
import { f32, free, makeChunk, matMulNN, zeros } from './heap';

/** Target size (floats) of one chunk's column matrix. */
let CHUNK_FLOATS = 1 << 22;

/** @internal Tests shrink the chunk to exercise the multi-chunk path; returns the previous size. */
export function setConvChunkFloats(n: number): number {
  const prev = CHUNK_FLOATS;
  CHUNK_FLOATS = n;
  return prev;
}

function convInfo(xShape: number[], filterShape: number[], attrs: NamedAttrMap, depthwise = false): backend_util.Conv2DInfo {
  const dataFormat = backend_util.convertConv2DDataFormat((attrs.dataFormat as 'NHWC' | 'NCHW') ?? 'NHWC');
  if (dataFormat !== 'channelsLast') throw new Error('conv2d gradients on the wasm backend support NHWC (channelsLast) only');
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number] | number,
    (attrs.dilations as [number, number] | number) ?? 1,
    attrs.pad as 'same' | 'valid' | number | backend_util.ExplicitPadding,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    depthwise,
    dataFormat,
  );
}

/** Images per chunk so that a chunk's column matrix holds about CHUNK_FLOATS values. */
function imagesPerChunk(info: backend_util.Conv2DInfo): number {
  const perImage = info.outHeight * info.outWidth * info.filterHeight * info.filterWidth * info.inChannels;
  return Math.max(1, Math.min(info.batchSize, Math.floor(CHUNK_FLOATS / Math.max(1, perImage))));
}

/** Kernel `Conv2DBackpropFilter`: inputs `x`, `dy`; attrs strides, pad, dataFormat, dimRoundingMode, filterShape. */
export function conv2DBackpropFilter(args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: BackendWasm; attrs: NamedAttrMap }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const filterShape = attrs.filterShape as number[];
  const info = convInfo(x.shape, filterShape, { ...attrs, dilations: 1 });
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Ci, outHeight: Ho, outWidth: Wo, outChannels: Co } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const K = kh * kw * Ci;
  const out = zeros(backend, [kh, kw, Ci, Co]);
  const step = imagesPerChunk(info);
  for (let n0 = 0; n0 < N; n0 += step) {
    const nb = Math.min(step, N - n0);
    const Mc = nb * Ho * Wo;
    const colsT = backend.makeOutput([K, Mc], 'float32');
    const dyc = makeChunk(backend, dy, n0 * Ho * Wo * Co, Mc * Co, [Mc, Co]);
    const xs = f32(backend, x);
    const ct = f32(backend, colsT);
    // colsT[(ky*kw + kx)*Ci + ci, m] = x[n, oy*sh - pt + ky, ox*sw - pl + kx, ci] (0 outside the image).
    // The valid ox range per kx is precomputed so the inner loop is a plain strided copy.
    ct.fill(0);
    const xStep = sw * Ci;
    for (let kx = 0; kx < kw; kx++) {
      const oxMin = Math.max(0, Math.ceil((pl - kx) / sw));
      const oxMax = Math.min(Wo, Math.floor((W - 1 + pl - kx) / sw) + 1);
      if (oxMax <= oxMin) continue;
      const ix0 = oxMin * sw - pl + kx;
      for (let ky = 0; ky < kh; ky++) {
        for (let ci = 0; ci < Ci; ci++) {
          const rowBase = ((ky * kw + kx) * Ci + ci) * Mc;
          for (let n = n0, m0 = 0; n < n0 + nb; n++) {
            const xn = n * H * W * Ci;
            for (let oy = 0; oy < Ho; oy++, m0 += Wo) {
              const iy = oy * sh - pt + ky;
              if (iy < 0 || iy >= H) continue;
              let xi = xn + (iy * W + ix0) * Ci + ci;
              const end = rowBase + m0 + oxMax;
              for (let p = rowBase + m0 + oxMin; p < end; p++, xi += xStep) ct[p] = xs[xi];
            }
          }
        }
      }
    }
    const part = matMulNN(backend, colsT, dyc, K, Mc, Co);
    free(backend, colsT);
    free(backend, dyc);
    const o = f32(backend, out);
    const p = f32(backend, part);
    for (let i = 0; i < o.length; i++) o[i] += p[i];
    free(backend, part);
  }
  return out;
}

/** Kernel `Conv2DBackpropInput`: inputs `dy`, `filter`; attrs strides, pad, dataFormat, dimRoundingMode, inputShape. */
export function conv2DBackpropInput(args: { inputs: { dy: TensorInfo; filter: TensorInfo }; backend: BackendWasm; attrs: NamedAttrMap }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const inputShape = attrs.inputShape as number[];
  const info = convInfo(inputShape, filter.shape, { ...attrs, dilations: 1 });
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Ci, outHeight: Ho, outWidth: Wo, outChannels: Co } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const K = kh * kw * Ci;
  // W^T [Co, K] from W [K, Co].
  const wT = backend.makeOutput([Co, K], 'float32');
  {
    const w = f32(backend, filter);
    const t = f32(backend, wT);
    for (let k = 0; k < K; k++) for (let c = 0; c < Co; c++) t[c * K + k] = w[k * Co + c];
  }
  const dx = zeros(backend, inputShape);
  const step = imagesPerChunk(info);
  for (let n0 = 0; n0 < N; n0 += step) {
    const nb = Math.min(step, N - n0);
    const Mc = nb * Ho * Wo;
    const dyc = makeChunk(backend, dy, n0 * Ho * Wo * Co, Mc * Co, [Mc, Co]);
    const dcols = matMulNN(backend, dyc, wT, Mc, Co, K);
    free(backend, dyc);
    const d = f32(backend, dcols);
    const g = f32(backend, dx);
    // col2im: for a fixed (pixel, ky) the valid kx taps cover one contiguous run of kw*Ci values in
    // both dcols and dx, so each is a single add loop.
    const rowLen = W * Ci;
    let m = 0;
    for (let n = n0; n < n0 + nb; n++) {
      const gn = n * H * rowLen;
      for (let oy = 0; oy < Ho; oy++) {
        for (let ox = 0; ox < Wo; ox++, m++) {
          const ixs = ox * sw - pl;
          const kx0 = Math.max(0, -ixs);
          const kx1 = Math.min(kw, W - ixs);
          if (kx1 <= kx0) continue;
          const len = (kx1 - kx0) * Ci;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh - pt + ky;
            if (iy < 0 || iy >= H) continue;
            const gi = gn + iy * rowLen + (ixs + kx0) * Ci;
            const di = m * K + (ky * kw + kx0) * Ci;
            for (let j = 0; j < len; j++) g[gi + j] += d[di + j];
          }
        }
      }
    }
    free(backend, dcols);
  }
  free(backend, wT);
  return dx;
}

/** Kernel `DepthwiseConv2dNativeBackpropFilter`: inputs `x`, `dy`; attrs strides, pad, dilations, dimRoundingMode, filterShape. */
export function depthwiseBackpropFilter(args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: BackendWasm; attrs: NamedAttrMap }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const filterShape = attrs.filterShape as number[];
  const info = convInfo(x.shape, filterShape, attrs, true);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Ci, outHeight: Ho, outWidth: Wo, outChannels: Co } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const mult = Co / Ci;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const out = zeros(backend, [kh, kw, Ci, mult]);
  const xs = f32(backend, x);
  const g = f32(backend, dy);
  const o = f32(backend, out);
  const acc = new Float64Array(Ci * mult);
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      acc.fill(0);
      for (let n = 0; n < N; n++) {
        for (let oy = 0; oy < Ho; oy++) {
          const iy = oy * sh - pt + ky * dh;
          if (iy < 0 || iy >= H) continue;
          for (let ox = 0; ox < Wo; ox++) {
            const ix = ox * sw - pl + kx * dw;
            if (ix < 0 || ix >= W) continue;
            const xi = ((n * H + iy) * W + ix) * Ci;
            const gi = ((n * Ho + oy) * Wo + ox) * Co;
            for (let ci = 0; ci < Ci; ci++) {
              const xv = xs[xi + ci];
              for (let q = 0; q < mult; q++) acc[ci * mult + q] += xv * g[gi + ci * mult + q];
            }
          }
        }
      }
      const base = (ky * kw + kx) * Ci * mult;
      for (let i = 0; i < acc.length; i++) o[base + i] = acc[i];
    }
  }
  return out;
}

/** Kernel `DepthwiseConv2dNativeBackpropInput`: inputs `dy`, `filter`; attrs strides, pad, dilations, dimRoundingMode, inputShape. */
export function depthwiseBackpropInput(args: { inputs: { dy: TensorInfo; filter: TensorInfo }; backend: BackendWasm; attrs: NamedAttrMap }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const inputShape = attrs.inputShape as number[];
  const info = convInfo(inputShape, filter.shape, attrs, true);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Ci, outHeight: Ho, outWidth: Wo, outChannels: Co } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const mult = Co / Ci;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const dx = zeros(backend, inputShape);
  const w = f32(backend, filter);
  const g = f32(backend, dy);
  const o = f32(backend, dx);
  for (let n = 0; n < N; n++) {
    for (let oy = 0; oy < Ho; oy++) {
      for (let ox = 0; ox < Wo; ox++) {
        const gi = ((n * Ho + oy) * Wo + ox) * Co;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - pt + ky * dh;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - pl + kx * dw;
            if (ix < 0 || ix >= W) continue;
            const xi = ((n * H + iy) * W + ix) * Ci;
            const wi = (ky * kw + kx) * Ci * mult;
            for (let ci = 0; ci < Ci; ci++) {
              let s = 0;
              for (let q = 0; q < mult; q++) s += w[wi + ci * mult + q] * g[gi + ci * mult + q];
              o[xi + ci] += s;
            }
          }
        }
      }
    }
  }
  return dx;
}
