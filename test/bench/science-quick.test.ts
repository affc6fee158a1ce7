import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// Runs `bench:science --quick` end to end on real (small) data and checks that what it writes is
// well formed and finite. Not a timing test: the run takes as long as it takes.
describe('bench:science --quick', function () {
  this.timeout(20 * 60 * 1000);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-science-'));
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  it('writes a well-formed science-quick.json and .md with finite numbers', () => {
    const root = path.resolve(__dirname, '..', '..');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/science/run.ts', '--quick', '--out', out], { cwd: root, encoding: 'utf8', env: process.env });
    assert.equal(run.status, 0, `bench:science --quick failed:\n${run.stderr}`);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'science-quick.json'), 'utf8'));
    const md = fs.readFileSync(path.join(out, 'science-quick.md'), 'utf8');
    assert.equal(report.mode, 'quick');
    assert.equal(report.settings.length, 2);
    for (const s of report.settings) {
      assert.equal(s.runs.length, 1, s.name);
      const r = s.runs[0];
      // every ranking method and target, every selection method and every upweighting scheme ran
      assert.deepEqual(r.ranking.map((x: any) => `${x.target}/${x.method}`).sort(), ['errors/confidence', 'errors/random', 'errors/svm', 'minority/confidence', 'minority/random', 'minority/svm']);
      assert.deepEqual(r.selection.map((x: any) => x.by).sort(), ['confidence', 'random', 'svm']);
      assert.deepEqual(r.upweighting.map((x: any) => x.scheme).sort(), ['balanced', 'overweight', 'soft']);
      const nClasses = Object.keys(r.minority.groups).length;
      for (const x of r.selection) assert.equal(x.added, x.perClass * nClasses, `${s.name} ${x.by}: K per class`);
      // the quantities the tables report are finite and in range
      const inUnit = (v: unknown, what: string) => assert.ok(typeof v === 'number' && v >= 0 && v <= 1, `${s.name} ${what} = ${v}`);
      for (const k of ['accuracy', 'minorityAccuracy', 'majorityAccuracy', 'worstGroupAccuracy']) inUnit(r.base[k], `base.${k}`);
      for (const x of r.ranking) {
        inUnit(x.auroc, `${x.target}/${x.method} auroc`);
        inUnit(x.ap, `${x.target}/${x.method} ap`);
        for (const [k, v] of Object.entries(x.precisionAtK)) inUnit(v, `${x.target}/${x.method} p@${k}`);
      }
      for (const x of [...r.selection, ...r.upweighting]) for (const k of ['accuracy', 'minorityAccuracy', 'worstGroupAccuracy']) inUnit(x[k], `${x.by ?? x.scheme} ${k}`);
      for (const [k, v] of Object.entries(s.summary) as Array<[string, any]>) {
        assert.ok(Number.isFinite(v.mean) && v.n === 1, `summary ${k} of ${s.name} is ${JSON.stringify(v)}`);
      }
    }
    for (const h of ['## Base model', '## Finding the minority group', "## Finding the base model's errors", '## SVM flags', '## Pool selection', '## Upweighting']) {
      assert.ok(md.includes(h), `markdown lacks ${h}`);
    }
    assert.ok(!/NaN|undefined|null/.test(md), 'markdown has a missing value');
  });
});
