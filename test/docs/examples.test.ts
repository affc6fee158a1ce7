/**
 * Executable docs: every ```ts block of every `@example` under src/ type-checks
 * (scripts/check-examples.ts, whose header gives the prelude convention), except the short
 * KNOWN_FAILING list there, which is printed. A probe file proves the checker fails, naming the file
 * and line of a broken example.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkExamples, formatReport, ROOT } from '../../scripts/check-examples';

describe('docs: every @example type-checks', function () {
  this.timeout(600_000);

  it('compiles every example under src/ (known failing ones listed)', () => {
    const r = checkExamples();
    const report = formatReport(r);
    process.stderr.write(report.split('\n').map((l) => `      ${l}`).join('\n') + '\n');
    assert.ok(r.examples.length >= 150, `only ${r.examples.length} examples found: is the extractor broken?`);
    assert.deepEqual(r.errors.map((e) => e.message), [], 'examples that do not compile');
    assert.deepEqual(r.stale, [], 'KNOWN_FAILING entries that compile now: remove them');
  });

  it('reports a broken example by file and line, and hints at fd.', () => {
    const dir = path.join(ROOT, 'out', 'check-examples-probe');
    fs.mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, 'probe.ts');
    fs.writeFileSync(
      probe,
      [
        '/**',
        ' * Adds one.',
        ' *',
        ' * @example',
        ' * ```ts',
        ' * const a: number = addOne(1);',
        " * const b: string = addOne(2);",
        ' * fd.coloredMnist; coloredMnist;',
        ' * ```',
        ' */',
        'export function addOne(x: number): number {',
        '  return x + 1;',
        '}',
        '',
        '/**',
        ' * Subtracts one.',
        ' * @example',
        ' * subOne(2); // no fence: nothing would be checked',
        ' */',
        'export function subOne(x: number): number {',
        '  return x - 1;',
        '}',
        '',
      ].join('\n'),
    );
    try {
      const r = checkExamples({ files: [probe], knownFailing: [] });
      assert.equal(r.examples.length, 2);
      assert.equal(r.examples[0].line, 6);
      const msgs = r.errors.map((e) => e.message);
      assert.equal(msgs.length, 3, msgs.join('\n'));
      assert.match(msgs[0], /^out\/check-examples-probe\/probe\.ts:7:10 - error TS2322: Type 'number' is not assignable to type 'string'/);
      assert.match(msgs[1], /^out\/check-examples-probe\/probe\.ts:8:21 - error TS2304: Cannot find name 'coloredMnist'.*\(public name: write fd\.coloredMnist\)/);
      assert.match(msgs[2], /^out\/check-examples-probe\/probe\.ts:17:1 - error: @example without a ```ts block {2}\[subOne\]/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
