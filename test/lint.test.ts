/**
 * The lint rules that encode the architecture really fire: probe sources, linted as if they were
 * files in src/ (nothing is written), must be rejected for a backward import, for svm/ or metrics/
 * reaching past util or importing tfjs / Arquero / Plotly, and for library code importing tests;
 * forward imports must pass. (`npm run lint`, run by `npm test`, checks the real tree.)
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { ESLint } from 'eslint';

const ROOT = path.resolve(__dirname, '..');

async function ruleHits(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return result.messages.filter((m) => m.severity === 2).map((m) => `${m.line}:${m.ruleId}`);
}

describe('lint: the layer order and the pure-numeric rule fire', function () {
  this.timeout(120_000);

  it('rejects backward imports and accepts forward ones', async () => {
    const hits = await ruleHits(
      'src/data/zz-probe.ts',
      [
        "import { Matrix } from '../matrix';", // util: allowed
        "import type { Encoder } from '../embed/encoder';", // data -> embed: backward, even type-only
        "import { FailureDirections } from '../directions/failure-directions';", // data -> directions
        "import { x } from '../../test/svm/fixtures';", // library -> tests
        'export const all = [Matrix, FailureDirections, x];',
        'export type E = Encoder;',
      ].join('\n'),
    );
    assert.deepEqual(hits, ['2:import-x/no-restricted-paths', '3:import-x/no-restricted-paths', '4:import-x/no-restricted-paths']);
    const forward = await ruleHits(
      'src/directions/zz-probe.ts',
      ["import { Matrix } from '../matrix';", "import { LinearSVC } from '../svm/linear-svc';", "import { auroc } from '../metrics/auroc';", "import { embed } from '../embed/embed';", 'export const all = [Matrix, LinearSVC, auroc, embed];'].join('\n'),
    );
    assert.deepEqual(forward, []);
  });

  it('keeps svm/ and metrics/ pure numeric: util only, no tfjs, Arquero or Plotly', async () => {
    const svm = await ruleHits(
      'src/svm/zz-probe.ts',
      [
        "import { Random } from '../random';", // util: allowed
        "import * as tf from '@tensorflow/tfjs';",
        "import * as aq from 'arquero';",
        "import { loadMnist } from '../data/load-mnist';",
        "import { auroc } from '../metrics/auroc';", // the other pure layer is not util
        'export const all = [Random, tf, aq, loadMnist, auroc];',
      ].join('\n'),
    );
    assert.deepEqual(svm, ['2:@typescript-eslint/no-restricted-imports', '3:@typescript-eslint/no-restricted-imports', '4:import-x/no-restricted-paths', '5:import-x/no-restricted-paths']);
    const metrics = await ruleHits('src/metrics/zz-probe.ts', "import Plotly from 'plotly.js-dist-min';\nexport const p = Plotly;\n");
    assert.deepEqual(metrics, ['1:@typescript-eslint/no-restricted-imports']);
  });
});
