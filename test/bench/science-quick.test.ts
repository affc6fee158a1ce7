import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// Runs `bench:science --quick` end to end on real (small) data and checks that what it writes is
// well formed and finite. Not a timing test: the run takes as long as it takes (about a minute).
describe('bench:science --quick', function () {
  this.timeout(20 * 60 * 1000);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-science-'));
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  it('writes a well-formed science-quick.json and .md: both spaces, every ranking and intervention, finite numbers', () => {
    const root = path.resolve(__dirname, '..', '..');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/science/run.ts', '--quick', '--out', out], { cwd: root, encoding: 'utf8', env: process.env });
    assert.equal(run.status, 0, `bench:science --quick failed:\n${run.stderr}`);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'science-quick.json'), 'utf8'));
    const md = fs.readFileSync(path.join(out, 'science-quick.md'), 'utf8');
    assert.equal(report.mode, 'quick');
    assert.deepEqual(report.settings.map((s: any) => s.dataset), ['spuriousAttribute', 'rareSubclass']);
    for (const s of report.settings) {
      assert.equal(s.runs.length, 1, s.name);
      const r = s.runs[0];
      assert.deepEqual(r.options.spaces, ['joint', 'penultimate']);
      const ranked = r.ranking.map((x: any) => `${x.target}/${x.method}/${x.space}`).sort();
      const expected: string[] = [];
      for (const t of ['errors', 'minority']) {
        for (const m of ['svm', 'domino', 'dominoTop']) for (const sp of ['joint', 'penultimate']) expected.push(`${t}/${m}/${sp}`);
        for (const m of ['confidence', 'maxSoftmax', 'entropy', 'random']) expected.push(`${t}/${m}/null`);
      }
      assert.deepEqual(ranked, expected.sort());
      assert.deepEqual(r.selection.map((x: any) => `${x.by}/${x.space}`).sort(), ['confidence/null', 'domino/joint', 'domino/penultimate', 'entropy/null', 'maxSoftmax/null', 'random/null', 'svm/joint', 'svm/penultimate']);
      assert.deepEqual(r.upweighting.map((x: any) => `${x.scheme}/${x.space}`).sort(), ['balanced/joint', 'balanced/penultimate', 'soft/joint', 'soft/penultimate']);
      assert.ok(r.captions.length >= 1 && r.captions.every((c: any) => c.space === 'joint' && typeof c.success === 'boolean'));
      const nClasses = Object.keys(r.minority.groups).length;
      for (const x of r.selection) assert.equal(x.added, x.perClass * nClasses, `${s.name} ${x.by}: K per class`);
      // the harder settings hold their minority under 10% of each class in test
      for (const v of Object.values(r.minority.testShareByClass) as number[]) assert.ok(v < 0.1, `${s.name}: test minority share ${v}`);
      const inUnit = (v: unknown, what: string) => assert.ok(typeof v === 'number' && v >= 0 && v <= 1, `${s.name} ${what} = ${v}`);
      for (const k of ['accuracy', 'minorityAccuracy', 'majorityAccuracy', 'worstGroupAccuracy']) inUnit(r.base[k], `base.${k}`);
      for (const x of r.ranking) {
        inUnit(x.auroc, `${x.target}/${x.method}/${x.space} auroc`);
        inUnit(x.ap, `${x.target}/${x.method}/${x.space} ap`);
        assert.deepEqual(Object.keys(x.precisionAtK), ['10', '50', '100']);
        for (const [k, v] of Object.entries(x.precisionAtK)) inUnit(v, `${x.target}/${x.method} p@${k}`);
      }
      for (const x of [...r.selection, ...r.upweighting]) for (const k of ['accuracy', 'minorityAccuracy', 'worstGroupAccuracy']) inUnit(x[k], `${x.by ?? x.scheme} ${k}`);
      for (const [k, v] of Object.entries(s.summary) as Array<[string, any]>) {
        assert.ok(Number.isFinite(v.mean) && v.n === 1, `summary ${k} of ${s.name} is ${JSON.stringify(v)}`);
      }
    }
    for (const h of ['## Base model and the conditions', '## Verdict', '## Finding the minority', "## Finding the base model's errors", '## Caption check', '## SVM flags', '## Pool selection', '## Upweighting', "## The paper's numbers"]) {
      assert.ok(md.includes(h), `markdown lacks ${h}`);
    }
    assert.ok(!/NaN|undefined|null/.test(md), 'markdown has a missing value');
  });
});
