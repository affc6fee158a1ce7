import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scoresDb } from '../../src/stream';
import { fittedModel, writeClipFolder } from './fixtures';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-cli-'));
const cli = path.resolve(__dirname, '..', '..', 'src', 'stream', 'cli.ts');
const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], { encoding: 'utf8', cwd: path.resolve(__dirname, '..', '..') });

describe('stream: the failure-directions command line', function () {
  this.timeout(180000);
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('scores array-task ranges into one folder, as a Slurm array job would, and reports coverage', async () => {
    const { dirs, pool } = fittedModel(2, 600);
    const folder = path.join(root, 'clip');
    await writeClipFolder(folder, pool, [200, 200, 200]);
    const model = path.join(root, 'fd.json');
    fs.writeFileSync(model, JSON.stringify(dirs));
    const out = path.join(root, 'out');
    const summaries = [0, 1].map((task) => {
      const r = run(['score', '--model', model, '--clip-retrieval', folder, '--out', out, '--array-task', String(task), '--array-count', '2', '--top-k', '5', '--quiet']);
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout);
    });
    assert.deepEqual(summaries.map((s) => [s.range, s.rows]), [['s000000-000001', 200], ['s000001-000003', 400]]);
    const db = await scoresDb(out);
    assert.deepEqual(db.coverage, { rows: 600, total: 600, incompleteShards: [], ranges: ['s000000-000001', 's000001-000003'] });
    db.close();
    const info = run(['info', out]);
    assert.equal(info.status, 0, info.stderr);
    assert.match(info.stdout, /"coverage":\{"rows":600,"total":600/);
    const hard = run(['hardest', out, '--k', '2', '--columns', 'caption']);
    assert.equal(hard.status, 0, hard.stderr);
    assert.equal(hard.stdout.trim().split('\n')[0].split(',').slice(-1)[0], 'caption');
    // errors: exit status 1 and the reason
    const again = run(['score', '--model', model, '--clip-retrieval', folder, '--out', out, '--shard-range', '0:1', '--quiet']);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /failure-directions: .*range s000000-000001 was already scored/);
    const bad = run(['score', '--model', path.join(root, 'nope.json'), '--clip-retrieval', folder, '--out', out]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /cannot load the model .*nope\.json/);
    assert.match(run(['--help']).stdout, /--array-task I --array-count N/);
  });
});
