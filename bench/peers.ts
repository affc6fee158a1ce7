/**
 * The benchmarks' Python peers (scikit-learn, PyTorch via Debian's /usr/bin/python3): checked before a
 * benchmark spends minutes on our side, with an error that names the one setup step
 * (`npm run setup:peers`, scripts/setup-peers.sh) and the exact apt command.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const SCRIPT = path.resolve(__dirname, '..', 'scripts', 'setup-peers.sh');

/**
 * Throws unless `python` (default /usr/bin/python3) imports every module in `modules` (names as
 * scripts/setup-peers.sh takes them: sklearn, torch, torchvision, numpy). Installs nothing.
 */
export function requirePythonPeers(bench: string, modules: string[], python = '/usr/bin/python3'): void {
  const r = spawnSync('bash', [SCRIPT, '--check', '--need', modules.join(','), '--python', python], { encoding: 'utf8' });
  if (r.status === 0) {
    process.stdout.write(r.stdout);
    return;
  }
  const said = `${r.stdout}${r.stderr}`.trim().replace(/^\[setup-peers\] /gm, '');
  throw new Error(`${bench} measures against Python peers that are not installed: ${said || `scripts/setup-peers.sh exited with ${r.status}`}`);
}
