/**
 * Executable docs: type-checks every ```ts block of every `@example` in the TSDoc under src/ with the
 * project's TypeScript, so an example that stopped compiling fails `npm test` (test/docs/examples.test.ts)
 * with the source file and line of the example. CLI: `npm run check:examples` (exit 1 on failure).
 *
 * How an example is compiled (the prelude convention, kept small on purpose):
 * - Each example becomes one module, its lines unchanged inside `async function example() { ... }`
 *   (so `await` works and names it declares may shadow the prelude's).
 * - `fd` is the package root (`import * as fd from 'failure-directions'`, here `src/index.ts`):
 *   examples call public names as a notebook user does, `fd.coloredMnist(...)`.
 * - Names the package root does NOT export (internal building blocks: every export of
 *   `failure-directions/internal`, and of the example's own file) are in scope bare, so an internal
 *   helper's example calls it as code inside the package would.
 * - A few context values are declared, typed, for examples to use without building them first:
 *     dirs: fd.FailureDirections            a fitted instance (the house name, see the ground rules)
 *     train, val, test, split: fd.ImageDataset  splits (`split`: any one), with `classNames`, `groups`
 *     zTrain, zVal, zTest: fd.Matrix        their embeddings (n x d latents)
 *     X: fd.Matrix, y: Uint8Array           a design matrix and 0/1 labels (scikit-learn's names)
 *     svm: fd.LinearSVC                     a fitted LinearSVC
 *     model                                 a tfjs classifier, as `fd.trainClassifier` returns it
 *     encoder: fd.Encoder                   any encoder
 *     scores: fd.ScoresTable                a scores table as `dirs.scores(...)` returns it
 *     trainInput, valInput, testInput       fd.SplitInput of each split (`fd.splitInput(...)`)
 *     joint: fd.JointEncoder                the shipped joint encoder (`await fd.jointEncoder()`)
 *     a: fd.Analysis                        what `fd.analyze(...)` returns
 *     splits: fd.DatasetSplits              train / val / test (/ unlabeled) of a benchmark
 *   Anything else an example needs, it builds itself.
 * - `import` lines of an example (e.g. `import * as tf from '@tensorflow/tfjs';`) are hoisted to the
 *   module top, as a notebook cell would have them.
 * - Compiler options are the project's tsconfig.json (strict) with `noEmit`; nothing runs.
 *
 * KNOWN_FAILING lists examples (by file and documented symbol) that may fail for now because their
 * code is being rewritten (issue 10: src/directions, src/viz). They are compiled and printed; a listed
 * example that compiles is an error too, so the list only shrinks. Empty it when the rewrite lands.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

export const ROOT = path.resolve(__dirname, '..');

/** `file#Symbol` (or `file#Symbol#2` for the second example of a symbol) allowed to fail for now. */
export const KNOWN_FAILING: readonly string[] = [];

/** The typed context values every example may use (see the header). */
export const PRELUDE_CONTEXT = [
  'declare const dirs: fd.FailureDirections;',
  'declare const train: fd.ImageDataset, val: fd.ImageDataset, test: fd.ImageDataset, split: fd.ImageDataset;',
  'declare const zTrain: fd.Matrix, zVal: fd.Matrix, zTest: fd.Matrix;',
  'declare const X: fd.Matrix, y: Uint8Array;',
  'declare const svm: fd.LinearSVC;',
  'declare const model: Awaited<ReturnType<typeof fd.trainClassifier>>;',
  'declare const encoder: fd.Encoder;',
  'declare const scores: fd.ScoresTable;',
  'declare const trainInput: fd.SplitInput, valInput: fd.SplitInput, testInput: fd.SplitInput;',
  'declare const joint: fd.JointEncoder;',
  'declare const a: fd.Analysis;',
  'declare const splits: fd.DatasetSplits;',
];

export interface Example {
  /** Repository-relative source file, e.g. `src/data/cache.ts`. */
  file: string;
  /** 1-based line of the first code line of the example in `file`. */
  line: number;
  /** The documented declaration, e.g. `FailureDirections.fit`; `#2`, `#3` for further examples. */
  symbol: string;
  /** `file#symbol`, the key of KNOWN_FAILING. */
  key: string;
  /** The code lines, comment prefix (` * `) removed. */
  code: string[];
  /** Columns removed from each line (to map errors back). */
  indent: number[];
  /** The `@example` tag holds no ```ts block (an error: nothing would be checked). */
  unfenced?: boolean;
}

export interface ExampleError {
  example: Example;
  /** `src/x.ts:12:5 - error TS2304: ...` */
  message: string;
}

export interface CheckResult {
  examples: Example[];
  /** Errors of examples not in KNOWN_FAILING. */
  errors: ExampleError[];
  /** Keys of KNOWN_FAILING examples that still fail, with their first error. */
  knownFailing: Array<{ key: string; first: string }>;
  /** KNOWN_FAILING keys that compile now, or name no example: remove them. */
  stale: string[];
  seconds: number;
}

function walkTs(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walkTs(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

function declName(node: ts.Node): string | undefined {
  const n = (node as { name?: ts.Node }).name;
  if (n && (ts.isIdentifier(n) || ts.isStringLiteral(n) || ts.isPrivateIdentifier(n))) return n.text;
  if (n && ts.isComputedPropertyName(n)) return `[${n.expression.getText()}]`;
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (ts.isVariableStatement(node)) return node.declarationList.declarations.map((d) => d.name.getText()).join(',');
  return undefined;
}

/** Every ```ts block under an `@example` tag in the TSDoc of `file`. */
export function extractExamples(absFile: string): Example[] {
  const text = fs.readFileSync(absFile, 'utf8');
  const file = path.relative(ROOT, absFile).split(path.sep).join('/');
  const sf = ts.createSourceFile(absFile, text, ts.ScriptTarget.ES2022, true);
  const found: Example[] = [];
  const seen = new Map<string, number>();
  const visit = (node: ts.Node, owner: string[]) => {
    const name = declName(node);
    const here = name && (ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node) || ts.isModuleDeclaration(node)) ? [...owner, name] : owner;
    for (const doc of (node as { jsDoc?: ts.JSDoc[] }).jsDoc ?? []) {
      const raw = text.slice(doc.pos, doc.end);
      const symbol = name ? [...owner, name].join('.') : `line ${sf.getLineAndCharacterOfPosition(doc.pos).line + 1}`;
      // Each @example tag runs to the next tag; take the ```ts fences inside it.
      const tagRe = /@example\b([\s\S]*?)(?=\n\s*\*\s*@\w|\*\/$)/g;
      for (let m = tagRe.exec(raw); m; m = tagRe.exec(raw)) {
        const fenceRe = /```ts[^\n]*\n([\s\S]*?)\n[ \t]*\*?[ \t]*```/g;
        const body = m[1];
        const bodyStart = doc.pos + m.index + '@example'.length;
        if (!fenceRe.test(body)) {
          const line = sf.getLineAndCharacterOfPosition(doc.pos + m.index).line + 1;
          found.push({ file, line, symbol: symbol, key: `${file}#${symbol}`, code: [], indent: [], unfenced: true });
          continue;
        }
        fenceRe.lastIndex = 0;
        for (let f = fenceRe.exec(body); f; f = fenceRe.exec(body)) {
          const codeStart = bodyStart + f.index + f[0].indexOf('\n') + 1;
          const line = sf.getLineAndCharacterOfPosition(codeStart).line + 1;
          const code: string[] = [];
          const indent: number[] = [];
          for (const l of f[1].split('\n')) {
            const pm = /^[ \t]*\* ?/.exec(l);
            const cut = pm ? pm[0].length : 0;
            code.push(l.slice(cut));
            indent.push(cut);
          }
          const n = (seen.get(symbol) ?? 0) + 1;
          seen.set(symbol, n);
          const sym = n === 1 ? symbol : `${symbol}#${n}`;
          found.push({ file, line, symbol: sym, key: `${file}#${sym}`, code, indent });
        }
      }
    }
    ts.forEachChild(node, (c) => visit(c, here));
  };
  visit(sf, []);
  return found;
}

/** Names the module `absFile` exports (values and types). */
function exportsOf(checker: ts.TypeChecker, program: ts.Program, absFile: string): Set<string> {
  const sf = program.getSourceFile(absFile);
  const sym = sf && checker.getSymbolAtLocation(sf);
  return new Set(sym ? checker.getExportsOfModule(sym).map((s) => s.getName()) : []);
}

function compilerOptions(): ts.CompilerOptions {
  const cfgFile = path.join(ROOT, 'tsconfig.json');
  const cfg = ts.readConfigFile(cfgFile, (f) => ts.sys.readFile(f));
  if (cfg.error) throw new Error(ts.flattenDiagnosticMessageText(cfg.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(cfg.config, ts.sys, ROOT);
  return { ...parsed.options, noEmit: true, declaration: false, sourceMap: false, rootDir: undefined, outDir: undefined, types: ['node'] };
}

const importPath = (fromDir: string, absTarget: string) => {
  const rel = path.relative(fromDir, absTarget.replace(/\.ts$/, '')).split(path.sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
};

/** Type-checks every example under `src/`; `files` narrows to some source files (for tests). */
export function checkExamples(opts: { files?: string[]; knownFailing?: readonly string[] } = {}): CheckResult {
  const t0 = Date.now();
  const known = new Set(opts.knownFailing ?? KNOWN_FAILING);
  const srcFiles = opts.files ? opts.files.map((f) => path.resolve(ROOT, f)) : walkTs(path.join(ROOT, 'src'));
  const examples = srcFiles.flatMap(extractExamples);
  const options = compilerOptions();
  const indexFile = path.join(ROOT, 'src', 'index.ts');

  // First pass: what the root and each example's file export.
  const base = ts.createProgram([indexFile, ...srcFiles], options);
  const checker = base.getTypeChecker();
  const rootExports = exportsOf(checker, base, indexFile);
  // Non-public names are in scope by bare name: every export of failure-directions/internal (the
  // building blocks an internal helper's example naturally uses) and the example's own file's.
  const contextNames = new Set(PRELUDE_CONTEXT.flatMap((l) => [...l.matchAll(/(\w+):/g)].map((m) => m[1])));
  const internalFile = path.join(ROOT, 'src', 'internal.ts');
  const internalExports = [...exportsOf(checker, base, internalFile)].filter((n) => !rootExports.has(n) && n !== 'default' && !contextNames.has(n));
  const ownExports = new Map<string, string[]>();
  for (const f of new Set(examples.map((e) => e.file))) {
    ownExports.set(f, [...exportsOf(checker, base, path.join(ROOT, f))].filter((n) => !rootExports.has(n) && n !== 'default' && !contextNames.has(n) && !internalExports.includes(n)));
  }

  // Inside the repository, so that packages an example imports resolve from node_modules.
  fs.mkdirSync(path.join(ROOT, 'out'), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(ROOT, 'out', 'check-examples-'));
  try {
    // Per generated file: the example, and for each generated line the example line it came from (-1: prelude).
    const generated = new Map<string, { example: Example; lineOf: number[] }>();
    examples.forEach((ex, i) => {
      if (ex.unfenced) return;
      const gen = path.join(tmp, `example-${String(i).padStart(3, '0')}.ts`);
      const own = ownExports.get(ex.file) ?? [];
      const isImport = (l: string) => /^import\s/.test(l);
      const out: string[] = [];
      const lineOf: number[] = [];
      const emit = (l: string, k: number) => {
        out.push(l);
        lineOf.push(k);
      };
      emit(`// ${ex.key} (${ex.file}:${ex.line})`, -1);
      emit(`import * as fd from '${importPath(tmp, indexFile)}';`, -1);
      emit(`import { ${internalExports.join(', ')} } from '${importPath(tmp, internalFile)}';`, -1);
      if (own.length) emit(`import { ${own.join(', ')} } from '${importPath(tmp, path.join(ROOT, ex.file))}';`, -1);
      // `import * as fd from 'failure-directions'` is the prelude's own first line.
      const isFdImport = (l: string) => /^import\s+\*\s+as\s+fd\s+from\s+'failure-directions';?\s*$/.test(l.trim());
      ex.code.forEach((l, k) => isImport(l) && !isFdImport(l) && emit(l, k));
      for (const l of PRELUDE_CONTEXT) emit(l, -1);
      emit('export async function example(): Promise<void> {', -1);
      ex.code.forEach((l, k) => emit(isImport(l) ? '' : l, k));
      emit('}', -1);
      fs.writeFileSync(gen, out.join('\n') + '\n');
      generated.set(path.resolve(gen), { example: ex, lineOf });
    });
    const program = ts.createProgram([...generated.keys()], options, undefined, base);
    const byExample = new Map<Example, string[]>();
    // Only the examples' diagnostics: `tsc` checks the sources themselves in `npm test` (and checking
    // only these files keeps the run to what the examples touch).
    const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
    for (const gen of generated.keys()) {
      const sf = program.getSourceFile(gen);
      if (sf) diagnostics.push(...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf));
    }
    for (const d of diagnostics) {
      const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      const g = d.file && generated.get(path.resolve(d.file.fileName));
      if (!d.file || !g) {
        // An error outside the examples (the sources themselves): report it against no example.
        const where = d.file ? `${path.relative(ROOT, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : 'tsc';
        throw new Error(`check-examples: the sources do not compile: ${where}: ${msg}`);
      }
      const lc = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
      const ex = g.example;
      const k = g.lineOf[lc.line] ?? -1; // 0-based line within the example
      const inExample = k >= 0;
      const line = inExample ? ex.line + k : ex.line;
      const col = inExample ? lc.character + 1 + ex.indent[k] : 1;
      let hint = '';
      const missing = /^Cannot find name '(\w+)'/.exec(msg);
      if (missing && rootExports.has(missing[1])) hint = ` (public name: write fd.${missing[1]})`;
      const noProp = /^Property '(\w+)' does not exist on type 'typeof import\(.*src\/index"\)'/.exec(msg);
      if (noProp && (internalExports.includes(noProp[1]) || (ownExports.get(ex.file) ?? []).includes(noProp[1]))) hint = ` (${noProp[1]} is internal: call it without fd.)`;
      const list = byExample.get(ex) ?? [];
      list.push(`${ex.file}:${line}:${col} - error TS${d.code}: ${msg}${hint}  [${ex.symbol}]`);
      byExample.set(ex, list);
    }
    for (const ex of examples) {
      if (ex.unfenced) byExample.set(ex, [`${ex.file}:${ex.line}:1 - error: @example without a \`\`\`ts block  [${ex.symbol}]`]);
    }
    const errors: ExampleError[] = [];
    const knownFailing: CheckResult['knownFailing'] = [];
    for (const [ex, msgs] of byExample) {
      if (known.has(ex.key)) knownFailing.push({ key: ex.key, first: msgs[0] });
      else for (const message of msgs) errors.push({ example: ex, message });
    }
    const failingKeys = new Set(knownFailing.map((k) => k.key));
    const stale = [...known].filter((k) => !failingKeys.has(k) && (!opts.files || examples.some((e) => e.key === k)));
    return { examples, errors, knownFailing, stale, seconds: (Date.now() - t0) / 1000 };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The report printed by the CLI and the test. */
export function formatReport(r: CheckResult): string {
  const lines = [`check-examples: ${r.examples.length} examples in ${new Set(r.examples.map((e) => e.file)).size} files, ${r.seconds.toFixed(1)} s`];
  for (const e of r.errors) lines.push(e.message);
  if (r.knownFailing.length) {
    lines.push(`known failing (KNOWN_FAILING in scripts/check-examples.ts, being rewritten): ${r.knownFailing.length}`);
    for (const k of r.knownFailing) lines.push(`  ${k.key}: ${k.first}`);
  }
  for (const s of r.stale) lines.push(`stale KNOWN_FAILING entry (compiles now or names no example; remove it): ${s}`);
  const failing = new Set(r.errors.map((e) => e.example)).size;
  lines.push(`${r.examples.length - failing - r.knownFailing.length} compile, ${failing} fail, ${r.knownFailing.length} known failing`);
  return lines.join('\n');
}

if (require.main === module) {
  const r = checkExamples();
  console.log(formatReport(r));
  process.exit(r.errors.length || r.stale.length ? 1 : 0);
}
