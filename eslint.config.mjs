/**
 * ESLint (flat config) for the whole repository: @eslint/js + typescript-eslint recommended rules, and
 * the layer rule of the README / shared api-v2 notes (imports point forward along the data path only).
 *
 * Why eslint-plugin-import-x `no-restricted-paths` for the layers (not dependency-cruiser or
 * eslint-plugin-import): it runs inside the same ESLint pass as everything else (one command, editor
 * squiggles, no second config format); it is the actively maintained fork of eslint-plugin-import
 * with flat-config support and ESLint 10 in its peer range (eslint-plugin-import 2.x stops at ESLint 9);
 * dependency-cruiser 18 requires Node 22+, and this project runs on Node 20. Type-aware linting is not
 * enabled: `tsc` already type-checks everything in `npm test`, and a typed lint pass would cost a
 * second full program build on a 2-core CI.
 *
 * THE LAYERS: one ordered list, `LAYERS` below. A file may import from layers listed before its own
 * (or from its own layer); `only` narrows that (svm/ and metrics/ are pure numeric code and import
 * util only). To add a folder (src/util/, src/generate/, src/experiments/, ...), add or extend an
 * entry; paths that do not exist yet are harmless. `TEMPORARY_EXCEPTIONS` lists known violations in
 * code being rewritten; each must name its file, the import, and why; empty it when they are fixed.
 * test/lint.test.ts proves on probe files that the rule rejects backward and forbidden imports.
 */
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';

/** The layers, in data-path order. Paths are relative to the repository root. */
export const LAYERS = [
  // Generic helpers: import nothing of ours.
  { name: 'util', paths: ['src/util'] },
  { name: 'data', paths: ['src/data'] },
  { name: 'model', paths: ['src/model'] },
  { name: 'embed', paths: ['src/embed'] },
  // Pure numeric: util only (and no tfjs / Arquero / Plotly, see PURE_NUMERIC_BANNED).
  { name: 'svm', paths: ['src/svm'], only: ['util'] },
  { name: 'metrics', paths: ['src/metrics'], only: ['util'] },
  { name: 'directions', paths: ['src/directions'] },
  { name: 'generate', paths: ['src/generate'] },
  { name: 'stream', paths: ['src/stream'] },
  { name: 'viz', paths: ['src/viz'] },
  { name: 'widgets', paths: ['src/widgets'] },
  // End-to-end experiments that train models (the `failure-directions/experiments` subpath).
  { name: 'experiments', paths: ['src/experiments'] },
  // The public facade and the internal subpath re-export everything.
  { name: 'facade', paths: ['src/index.ts', 'src/internal.ts'] },
];

/** Packages that svm/ and metrics/ must not import. */
const PURE_NUMERIC_BANNED = ['@tensorflow/*', 'arquero', 'arquero/*', 'plotly.js*', 'sharp', 'tslab', 'onnxruntime-*'];

/**
 * Known violations in code the lead is rewriting (issue 10), allowed until then. Each entry lets the
 * one file `target` import `from` (a file or folder) despite the layer order; say why. Empty this list
 * when they are fixed.
 */
const TEMPORARY_EXCEPTIONS = [
  // none yet
];

const within = (file, p) => file === p || file.startsWith(p + '/');

/** no-restricted-paths zones for the files of `layer`; `exception` (one TEMPORARY_EXCEPTIONS entry) is let through. */
function layerZones(layer, i, exception) {
  const allowed = new Set(layer.only ?? LAYERS.slice(0, i).map((l) => l.name));
  allowed.add(layer.name);
  return LAYERS.filter((l) => !allowed.has(l.name)).map((b) => {
    const zone = {
      target: layer.paths,
      from: b.paths,
      message: layer.only
        ? `${layer.name}/ may import only ${layer.only.join(', ')} (layer order in eslint.config.mjs).`
        : `${layer.name}/ must not import ${b.name}/, which comes later on the data path (layer order in eslint.config.mjs).`,
    };
    if (!exception) return zone;
    // `except` is relative to `from`, so split the zone per from-path.
    return b.paths.map((from) => (within(exception.from, from) ? { ...zone, from, except: [exception.from === from ? '.' : './' + exception.from.slice(from.length + 1)] } : { ...zone, from }));
  }).flat();
}

const OUTSIDE_SRC = { target: 'src', from: ['test', 'bench', 'scripts', 'kernel'], message: 'src/ must not import test, bench, scripts or kernel code.' };
const allZones = (exception) => [...LAYERS.flatMap((l, i) => layerZones(l, i, exception && l.paths.some((p) => within(exception.target, p)) ? exception : undefined)), OUTSIDE_SRC];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'kernel/jupyter/**', 'data/**', 'notebooks/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.d.ts', '.js', '.json'] })],
    },
    rules: {
      // TypeScript checks undefined names (and knows Node's and the DOM's globals).
      'no-undef': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      'import-x/no-restricted-paths': ['error', { zones: allZones() }],
    },
  },
  ...TEMPORARY_EXCEPTIONS.map((e) => ({ files: [e.target], rules: { 'import-x/no-restricted-paths': ['error', { zones: allZones(e) }] } })),
  {
    // Tests feed deliberately ill-typed input to check the errors, and benches pass JSON blobs to peers.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/svm/**/*.ts', 'src/metrics/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: PURE_NUMERIC_BANNED, message: 'svm/ and metrics/ are pure numeric code: no tfjs, Arquero, Plotly or other heavy runtime.' }] },
      ],
    },
  },
);
