/**
 * The notebook the widget browser test runs: a fast, real fixture (Colored MNIST images; 16 latent
 * features: each image's mean red and green plus seeded noise; a "model" that predicts from colour
 * with 10% seeded label noise, so it fails on the off-colour digits), failure directions fitted on
 * val, and the live C slider panel on test. Its second cell writes what an independent check needs
 * (the fitted directions with their data, the test input) to `$FD_WIDGET_TEST_DUMP`.
 */

export const SETUP = `import * as fd from 'failure-directions';
import * as fs from 'fs';
fd.init();`;

export const FIXTURE = `const { train, val, test } = fd.coloredMnist({ trainCorr: 0.9, seed: 0 });
const rng = new fd.Random(1);
const D = 16;
function featurize(s: fd.ImageDataset): fd.Matrix {
  const px = s.height * s.width;
  const data = new Float32Array(s.labels.length * D);
  for (let i = 0; i < s.labels.length; i++) {
    let r = 0, g = 0;
    for (let p = 0; p < px; p++) { r += s.images[(i * px + p) * 3]; g += s.images[(i * px + p) * 3 + 1]; }
    data[i * D] = r / px;
    data[i * D + 1] = g / px;
    for (let j = 2; j < D; j++) data[i * D + j] = rng.normal();
  }
  return { data, rows: s.labels.length, cols: D };
}
function colourModel(z: fd.Matrix) {
  const pred = new Int32Array(z.rows);
  for (let i = 0; i < z.rows; i++) pred[i] = (z.data[i * D] > z.data[i * D + 1] ? 0 : 1) ^ (rng.next() < 0.1 ? 1 : 0);
  return { pred };
}
const zTrain = featurize(train), zVal = featurize(val), zTest = featurize(test);
const valInput = fd.splitInput(val, zVal, colourModel(zVal));
const testInput = fd.splitInput(test, zTest, colourModel(zTest));
const dirs = new fd.FailureDirections({ seed: 0 });
dirs.setPreprocess(zTrain);
dirs.fit(valInput);
if (process.env.FD_WIDGET_TEST_DUMP) {
  fs.writeFileSync(process.env.FD_WIDGET_TEST_DUMP, JSON.stringify({
    dirs: dirs.toJSON(),
    input: { latents: Array.from(testInput.latents.data), rows: testInput.latents.rows, cols: testInput.latents.cols,
      labels: Array.from(testInput.labels), preds: Array.from(testInput.preds), ids: testInput.ids,
      classNames: testInput.classNames, split: testInput.split, groups: testInput.groups },
  }));
}
console.log('fitted:', dirs.classSummary_.objects().map((r: any) => r.className + ' C=' + r.C).join(', '));`;

const PANEL = `const panel = fd.cSliderPanel(dirs, testInput, { classId: 0, images: test, k: 8 });
panel`;

function cell(source: string) {
  return { cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: source.split(/(?<=\n)/) };
}

/** The test notebook (nbformat 4). */
export function panelNotebook(): object {
  return {
    cells: [cell(SETUP), cell(FIXTURE), cell(PANEL)],
    metadata: {
      kernelspec: { display_name: 'TypeScript', language: 'typescript', name: 'tslab' },
      language_info: { name: 'typescript' },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
}
