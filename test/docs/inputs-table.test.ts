/**
 * docs/inputs.md stays true: every test it cites exists, under the title it quotes, and the README
 * links to it.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';

describe('docs/inputs.md', () => {
  const doc = fs.readFileSync('docs/inputs.md', 'utf8');

  it('cites only tests that exist, by file and title', () => {
    let file: string | undefined;
    let cited = 0;
    for (const line of doc.split('\n').filter((l) => l.startsWith('|'))) {
      const cells = line.split(' | ');
      const proof = cells[cells.length - 1];
      // Tokens in order: a test file (sets the file for "same file" below it) or a quoted title.
      for (const m of proof.matchAll(/`(test\/[^`]+\.test\.ts)`|"([^"]+)"/g)) {
        if (m[1]) {
          file = m[1];
          assert.ok(fs.existsSync(file), `docs/inputs.md cites ${file}, which does not exist`);
          continue;
        }
        assert.ok(file, `title "${m[2]}" cited before any test file`);
        // "..." abbreviates the rest of a long title.
        const parts = m[2].split(' ...').map((p) => p.trim()).filter(Boolean);
        const text = fs.readFileSync(file, 'utf8');
        for (const p of parts) assert.ok(text.includes(p), `${file} has no test titled like "${m[2]}" (missing: "${p}")`);
        cited++;
      }
    }
    assert.ok(cited >= 30, `only ${cited} tests cited`);
  });

  it('has no rows left to do, and the README links to it', () => {
    assert.doesNotMatch(doc, /\*\*TODO\*\*/, 'every item of issue 13 is done');
    assert.match(fs.readFileSync('README.md', 'utf8'), /\[docs\/inputs\.md\]\(docs\/inputs\.md\)/);
  });
});
