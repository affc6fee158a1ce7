/**
 * End-to-end: notebook 06-at-scale executed headless through the project's tslab kernel — 300,000
 * float16 rows written as shards, scored out of core, queried with DuckDB, selected from — its
 * outputs checked, and a second run compared for identical outputs (progress lines aside).
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { NotebookRun, REPO_ROOT, runNotebooks } from '../../kernel/run-notebooks';
import { assertRanCleanly, codeCells, join, outputsOf, richOf, type Output } from './notebook-cells';

const isProgress = (o: Output) => o.output_type === 'display_data' && join(o.data?.['text/html']).includes('class="fd-progress"');
const resultsOf = (file: string) => JSON.stringify(codeCells(file).map((c) => (c.outputs ?? []).filter((o) => !isProgress(o))));

describe('notebooks: 06-at-scale, executed headless', function () {
  this.timeout(900_000);
  const outDir = path.join(REPO_ROOT, 'out', 'notebooks');
  let run: NotebookRun;

  before(async () => {
    [run] = await runNotebooks({ names: ['06-at-scale'], outDir, log: () => {} });
    process.stderr.write(`      [06-at-scale: ${run.seconds.toFixed(1)} s]\n`);
  });

  it('scores 300,000 rows out of core, queries them and finds the planted failure mode', () => {
    assertRanCleanly(run.notebook, '06-at-scale');
    const stdout = outputsOf(run.notebook).filter((o) => o.output_type === 'stream' && o.name === 'stdout').map((o) => join(o.text));
    assert.ok(stdout.includes('300,000 rows x 64 (float16) in 6 shards; columns id, caption, camera, label, pred, confidence\n'), stdout.join(''));
    assert.ok(stdout.some((l) => /^scored 300,000 rows into 6 Parquet parts; [\d,]+ flagged/.test(l)));
    assert.ok(stdout.includes('coverage: 300,000 of 300,000 rows\n'));
    const picks = stdout.find((l) => l.startsWith('night photos among 1,600 picks'));
    const m = /svm ([\d.]+)%, random ([\d.]+)%/.exec(picks ?? '');
    assert.ok(m && Number(m[1]) > 80 && Number(m[2]) < 25, `the SVM picks the failure mode: ${picks}`);
    const text = richOf(run.notebook).map((d) => join(d['text/plain']));
    const night = text.find((t) => t.startsWith('caption') && t.includes('a photo at night') && t.includes('flagRate'));
    assert.ok(night, 'the flag rates by caption are shown');
    const rate = (label: string) => Number(new RegExp(`${label}\\s+\\d+\\s+\\d+\\s+([\\d.]+)`).exec(night!)![1]);
    assert.ok(rate('a photo at night') > 0.5 && rate('a photo') < 0.1, night);
    assert.ok(text.some((t) => t.includes('rankInClass') && t.includes('caption') && t.includes('camera')), 'hardest rows with metadata columns');
  });

  it('gives the same outputs when run again', async () => {
    const first = resultsOf(run.notebook);
    const [again] = await runNotebooks({ names: ['06-at-scale'], outDir: path.join(outDir, 'rerun'), log: () => {} });
    assert.equal(resultsOf(again.notebook), first);
  });
});
