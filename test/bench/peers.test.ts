/**
 * The benchmarks' Python-peer check (bench/peers.ts over scripts/setup-peers.sh --check): it fails
 * fast with the setup step and the exact apt command. A fake interpreter stands in for
 * /usr/bin/python3, so the test installs nothing and needs no Python packages.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { requirePythonPeers } from '../../bench/peers';

describe('bench: Python peers', () => {
  let tmp: string;
  let fakePython: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-peers-'));
    fakePython = path.join(tmp, 'python3');
    // Imports numpy only; prints a version line for the script's report.
    fs.writeFileSync(fakePython, '#!/bin/sh\nif [ "$1" = "-c" ]; then [ "$2" = "import numpy" ] && exit 0; exit 1; fi\ncat >/dev/null\necho "numpy 0.0 (fake)"\n', { mode: 0o755 });
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('names the missing modules, npm run setup:peers and the exact apt command', () => {
    assert.throws(
      () => requirePythonPeers('bench:svm', ['sklearn', 'numpy'], fakePython),
      (e: Error) => {
        assert.equal(
          e.message,
          `bench:svm measures against Python peers that are not installed: ${fakePython} cannot import: sklearn. ` +
            "Install the Debian packages with: npm run setup:peers (as root), or run: sudo sh -c 'apt-get update && apt-get install -y -o DPkg::Lock::Timeout=600 python3-sklearn'",
        );
        return true;
      },
    );
    assert.throws(() => requirePythonPeers('bench:features', ['torch', 'torchvision', 'numpy'], fakePython), /cannot import: torch torchvision\. .*install -y -o DPkg::Lock::Timeout=600 python3-torch python3-torchvision'$/);
    assert.throws(() => requirePythonPeers('bench:svm', ['sklearn'], path.join(tmp, 'no-python')), /no-python cannot import: sklearn\. .*install -y -o DPkg::Lock::Timeout=600 python3 python3-sklearn'$/);
  });

  it('passes when every module imports, and rejects unknown module names', () => {
    assert.doesNotThrow(() => requirePythonPeers('bench:x', ['numpy'], fakePython));
    const r = spawnSync('bash', ['scripts/setup-peers.sh', '--check', '--need', 'tensorflow'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown module 'tensorflow' \(known: sklearn, torch, torchvision, numpy\)/);
  });

  it('npm run setup:peers is the one setup step, and both benches check before running', () => {
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
    assert.equal(pkg.scripts['setup:peers'], 'bash scripts/setup-peers.sh');
    assert.match(fs.readFileSync('bench/svm/run.ts', 'utf8'), /requirePythonPeers\('bench:svm', \['sklearn', 'numpy'\]\)/);
    assert.match(fs.readFileSync('bench/features/run.ts', 'utf8'), /requirePythonPeers\('bench:features', \['torch', 'numpy'\], PY\)/);
  });
});
