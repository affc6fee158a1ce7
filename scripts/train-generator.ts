/**
 * `npm run train:generator` — trains the latent diffusion image generator from a seed and writes the
 * shipped weights (`data/generator/image-generator.{json,bin}`).
 *
 *   npm run train:generator -- [--seed 0] [--out data/generator] [--ae-epochs N] [--epochs N]
 *
 * Trains on the joint encoder's reserved ranges only (MNIST 8000..9999, Fashion-MNIST 40000..59999,
 * minus the encoder's held-out monitor images), with the encoder's own renderings and captions, and
 * conditions on the shipped joint encoder's text embeddings. Deterministic for a seed on the wasm
 * backend: rerunning reproduces the shipped weights bit for bit. Logs each epoch's loss, and at the
 * end the wall-clock and CPU time (the machine may be shared: CPU time is the stable figure).
 */
import * as path from 'node:path';
import { backendName, ensureBackend } from '../src/model/backend';
import { packageRoot } from '../src/util/paths';
import { encoderPool } from '../src/embed/encoder-pool';
import { jointEncoder } from '../src/embed/joint-encoder';
import { DEFAULT_TRAIN_GENERATOR_OPTIONS, trainGenerator } from '../src/generate/train-generator';
import { saveImageGenerator } from '../src/generate/generator-files';
import { conditioningStats } from '../src/generate/conditioning';
import { arg } from './cli-args';


async function main() {
  const seed = arg('seed', DEFAULT_TRAIN_GENERATOR_OPTIONS.seed);
  const autoencoderEpochs = arg('ae-epochs', DEFAULT_TRAIN_GENERATOR_OPTIONS.autoencoderEpochs);
  const denoiserEpochs = arg('epochs', DEFAULT_TRAIN_GENERATOR_OPTIONS.denoiserEpochs);
  const out = path.resolve(arg('out', path.join(packageRoot(), 'data', 'generator')));
  await ensureBackend();
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const cpuSeconds = () => {
    const c = process.cpuUsage(cpu0);
    return (c.user + c.system) / 1e6;
  };
  const { pool, counts } = await encoderPool();
  const enc = await jointEncoder();
  const o = DEFAULT_TRAIN_GENERATOR_OPTIONS;
  console.log(`backend ${backendName()}; pool: ${counts.digits} digits (x ${o.autoencoderDigitRepeats} per autoencoder epoch, x ${o.denoiserDigitRepeats} per denoiser epoch) + ${counts.fashion} clothes; conditioning on ${enc.name}`);
  const { network, latentMean, latentStd, history } = await trainGenerator(pool, enc, {
    seed,
    autoencoderEpochs,
    denoiserEpochs,
    onEpoch: (info) => {
      console.log(`${info.stage} epoch ${info.epoch}  loss ${info.loss.toFixed(5)}  (${info.seconds.toFixed(0)} s; ${cpuSeconds().toFixed(0)} s CPU so far)`);
    },
  });
  const conditioning = await conditioningStats(pool, enc, seed);
  const seconds = (Date.now() - t0) / 1000;
  const cpu = cpuSeconds();
  const manifest = saveImageGenerator(network, out, {
    latentMean,
    latentStd,
    conditioning,
    training: {
      seed,
      autoencoderEpochs,
      autoencoderBatchSize: o.autoencoderBatchSize,
      autoencoderLearningRate: o.autoencoderLearningRate,
      latentNoise: o.latentNoise,
      latentPenalty: o.latentPenalty,
      autoencoderDigitRepeats: o.autoencoderDigitRepeats,
      denoiserEpochs,
      denoiserDigitRepeats: o.denoiserDigitRepeats,
      denoiserBatchSize: o.denoiserBatchSize,
      denoiserLearningRate: o.denoiserLearningRate,
      conditionDropout: o.conditionDropout,
      emaDecay: o.emaDecay,
      weightDecay: o.weightDecay,
      warmupSteps: o.warmupSteps,
      backend: backendName(),
      seconds: Math.round(seconds),
      cpuSeconds: Math.round(cpu),
      pool: { ...counts, options: pool.options, sources: 'MNIST 8000..9999, Fashion-MNIST 40000..59999 (RESERVED encoder ranges, minus the encoder monitor images)' },
      history,
      command: 'npm run train:generator',
    },
  });
  network.dispose();
  console.log(`trained in ${seconds.toFixed(0)} s wall, ${cpu.toFixed(0)} s CPU; wrote ${out} (weights sha256 ${manifest.weightsSha256.slice(0, 12)})`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
