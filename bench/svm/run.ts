/**
 * `npm run bench:svm`: our liblinear-style solver and FailureDirections against scikit-learn's
 * `SVC(kernel='linear')` (the paper's pipeline) and `LinearSVC`, on the same data, in one run.
 *
 * (a) one fit, n = 2000, d = 512, C = 1, balanced weights;
 * (b) the full per-class sweep: 10 classes x 1000 samples x 512 dims, 7 C x 2 folds + refit;
 * (c) refits at new C values (a slider), n = 2000, d = 512.
 * Data: bench/svm/data.ts (structured embeddings: planted failure subgroup, label noise, whitened and
 * L2-normalised). The peer runs in /usr/bin/python3 with OPENBLAS_NUM_THREADS=1 on the same bytes.
 * Prints ratios (peer time / our time) and primal objective values; writes bench/results/svm.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailureDirections } from '../../src/directions';
import { Matrix } from '../../src/matrix';
import { setProgressSink } from '../../src/progress';
import { LinearSVC, logGrid, svmPrimalObjective } from '../../src/svm';
import { syntheticClass } from './data';

setProgressSink(null);
const quick = process.argv.includes('--quick');
const D = 512;
const N_A = 2000;
const N_B = 1000;
const K_B = quick ? 3 : 10;
const Cs = logGrid();
const TOL_LIBLINEAR = 1e-4; // scikit-learn LinearSVC's default
const TOL_SVC = 1e-3; // scikit-learn SVC's default: the paper's setting and FailureDirections' default
const MAX_ITER = 1000;

const dir = mkdtempSync(join(tmpdir(), 'bench-svm-'));
const write = (name: string, a: Float32Array | Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  return p;
};
const now = () => performance.now();
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

function main() {
  // ---------- data ----------
  const A = syntheticClass(N_A, D, 1);
  const B = Array.from({ length: K_B }, (_, c) => syntheticClass(N_B, D, 100 + c, { subgroupFrac: 0.1 + 0.02 * c }));
  const cfg: any = {
    a: { x: write('a.f32', A.X.data), y: write('a.u8', A.y), rows: N_A, cols: D, C: 1, tol: TOL_LIBLINEAR, svcTol: TOL_SVC, maxIter: MAX_ITER, reps: 3 },
    b: { cols: D, Cs, tol: TOL_LIBLINEAR, svcTol: TOL_SVC, maxIter: MAX_ITER, classes: B.map((b, c) => ({ x: write(`b${c}.f32`, b.X.data), y: write(`b${c}.u8`, b.y), rows: N_B })) },
  };
  const sliderCs = [0.3, 0.03, 0.1, 1, 0.01, 3];
  cfg.c = { x: cfg.a.x, y: cfg.a.y, rows: N_A, cols: D, Cs: sliderCs, tol: TOL_LIBLINEAR, svcTol: TOL_SVC, maxIter: MAX_ITER };
  writeFileSync(join(dir, 'cfg.json'), JSON.stringify(cfg));

  // ---------- ours ----------
  console.log(`bench:svm  d=${D}  (a) n=${N_A}  (b) ${K_B} classes x ${N_B}  (c) n=${N_A}; node ${process.version}, ${cpus().length} cores`);
  // (a) one fit, both intercept modes, median of 3 after a warm-up.
  const fitA = (regularizeIntercept: boolean, tol: number) => {
    const times: number[] = [];
    let m!: LinearSVC;
    for (let r = 0; r < 4; r++) {
      const t = now();
      m = new LinearSVC({ C: 1, classWeight: 'balanced', tol, maxIter: MAX_ITER, regularizeIntercept }).fit(A.X, A.y);
      if (r > 0) times.push(now() - t);
    }
    return { ms: median(times), nIter: m.nIter_!, converged: m.converged_!, objective: svmPrimalObjective(A.X, A.y, m.coef_!, m.intercept_!, { C: 1, loss: 'hinge', classWeight: 'balanced', regularizeIntercept }) };
  };
  const oursA = { liblinear: fitA(true, TOL_LIBLINEAR), free: fitA(false, TOL_SVC) };

  // (b) the sweep through FailureDirections (data are already whitened and normalised).
  const latents: Matrix = { data: new Float32Array(K_B * N_B * D), rows: K_B * N_B, cols: D };
  const labels = new Int32Array(K_B * N_B), preds = new Int32Array(K_B * N_B);
  B.forEach((b, c) => {
    latents.data.set(b.X.data, c * N_B * D);
    for (let i = 0; i < N_B; i++) {
      labels[c * N_B + i] = c;
      preds[c * N_B + i] = b.y[i] ? c : (c + 1) % K_B;
    }
  });
  const sweep = (regularizeIntercept: boolean, tol: number) => {
    const fd = new FailureDirections({ whiten: false, normalize: false, shuffle: false, regularizeIntercept, tol, maxIter: MAX_ITER });
    const t = now();
    fd.fit(latents, labels, preds);
    const ms = now() - t;
    const objective = B.map((b, c) => {
      const m = fd.svms_![c]!;
      return svmPrimalObjective(b.X, b.y, m.coef_!, m.intercept_!, { C: m.C, loss: 'hinge', classWeight: 'balanced', regularizeIntercept });
    });
    return { ms, C: fd.svms_!.map((m) => m!.C), objective, converged: fd.svms_!.every((m) => m!.converged_) };
  };
  sweep(false, TOL_SVC); // warm-up (JIT)
  const oursB = { free: sweep(false, TOL_SVC), liblinear: sweep(true, TOL_LIBLINEAR) };

  // (c) refit at new C values, one after the other (slider), warm-started.
  const one = { labels: new Int32Array(N_A), preds: Int32Array.from(A.y, (v) => (v ? 0 : 1)) };
  const refitTimes = (regularizeIntercept: boolean, tol: number) => {
    const fd = new FailureDirections({ whiten: false, normalize: false, regularizeIntercept, tol, maxIter: MAX_ITER });
    fd.fit(A.X, one.labels, one.preds, { classNames: ['a', 'b'] });
    return sliderCs.map((C) => {
      const t = now();
      fd.refit(0, C);
      return now() - t;
    });
  };
  refitTimes(false, TOL_SVC);
  const oursC = { free: refitTimes(false, TOL_SVC), liblinear: refitTimes(true, TOL_LIBLINEAR) };

  // ---------- peer ----------
  console.log('running the scikit-learn peer (SVC pipeline takes a while)...');
  const py = spawnSync('/usr/bin/python3', [join(__dirname, 'peer.py'), join(dir, 'cfg.json')], {
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  rmSync(dir, { recursive: true, force: true });
  if (py.status !== 0) throw new Error(`peer.py failed (status ${py.status})`);
  const peer = JSON.parse(py.stdout);

  // ---------- report ----------
  const rel = (a: number, b: number) => (a - b) / Math.abs(b);
  const pa = peer.a, pb = peer.b, pc = peer.c;
  const results = {
    date: new Date().toISOString(),
    machine: { node: process.version, cores: cpus().length, cpu: cpus()[0]?.model },
    data: { d: D, a: { n: N_A }, b: { classes: K_B, n: N_B, Cs }, c: { n: N_A, Cs: sliderCs } },
    tolerances: { liblinear: TOL_LIBLINEAR, svc: TOL_SVC, maxIter: MAX_ITER },
    a: {
      ours: oursA,
      sklearn: { svcSeconds: pa.svc.seconds, svcObjective: pa.svc.objective, linearSVCSeconds: pa.linearSVC.seconds, linearSVCObjective: pa.linearSVC.objective, linearSVCIter: pa.linearSVC.nIter },
      ratioVsSVC: (pa.svc.seconds * 1000) / oursA.free.ms,
      ratioVsLinearSVC: (pa.linearSVC.seconds * 1000) / oursA.liblinear.ms,
      objectiveRelDiffVsSVC: rel(oursA.free.objective, pa.svc.objective),
      objectiveRelDiffVsLinearSVC: rel(oursA.liblinear.objective, pa.linearSVC.objective),
    },
    b: {
      ours: oursB,
      sklearn: pb,
      ratioVsSVCPipeline: (pb.svcPipeline.seconds * 1000) / oursB.free.ms,
      ratioVsLinearSVCPipeline: (pb.linearSVCPipeline.seconds * 1000) / oursB.liblinear.ms,
      ratioDefaultVsLinearSVCPipeline: (pb.linearSVCPipeline.seconds * 1000) / oursB.free.ms,
      sameCAsSVCPipeline: oursB.free.C.filter((c, k) => c === pb.svcPipeline.C[k]).length,
      sameCAsLinearSVCPipeline: oursB.liblinear.C.filter((c, k) => c === pb.linearSVCPipeline.C[k]).length,
      objectiveRelDiffVsSVC: oursB.free.objective.map((o, k) => (oursB.free.C[k] === pb.svcPipeline.C[k] ? rel(o, pb.svcPipeline.objective[k]) : null)),
      objectiveRelDiffVsLinearSVC: oursB.liblinear.objective.map((o, k) => (oursB.liblinear.C[k] === pb.linearSVCPipeline.C[k] ? rel(o, pb.linearSVCPipeline.objective[k]) : null)),
    },
    c: {
      ours: oursC,
      oursMedianMs: { free: median(oursC.free), liblinear: median(oursC.liblinear) },
      oursMaxMs: { free: Math.max(...oursC.free), liblinear: Math.max(...oursC.liblinear) },
      sklearnColdFitSeconds: pc,
    },
  };
  const r = results;
  const maxAbs = (a: (number | null)[]) => Math.max(...a.filter((v): v is number => v !== null).map(Math.abs));
  console.log('');
  console.log(`(a) one fit, n=${N_A}, d=${D}, C=1, balanced`);
  console.log(`    ours free intercept (tol ${TOL_SVC})   ${fmt(oursA.free.ms)}  iter ${oursA.free.nIter}  objective ${oursA.free.objective.toFixed(4)}`);
  console.log(`    sklearn SVC(kernel=linear) (tol ${TOL_SVC})  ${fmt(pa.svc.seconds * 1000)}  objective ${pa.svc.objective.toFixed(4)}`);
  console.log(`    ours liblinear (tol ${TOL_LIBLINEAR})   ${fmt(oursA.liblinear.ms)}  iter ${oursA.liblinear.nIter}  objective ${oursA.liblinear.objective.toFixed(4)}`);
  console.log(`    sklearn LinearSVC (tol ${TOL_LIBLINEAR})   ${fmt(pa.linearSVC.seconds * 1000)}  iter ${pa.linearSVC.nIter}  objective ${pa.linearSVC.objective.toFixed(4)}`);
  console.log(`    ratio vs SVC ${r.a.ratioVsSVC.toFixed(1)}x   ratio vs LinearSVC ${r.a.ratioVsLinearSVC.toFixed(2)}x   objective rel. diff: vs SVC ${r.a.objectiveRelDiffVsSVC.toExponential(1)}, vs LinearSVC ${r.a.objectiveRelDiffVsLinearSVC.toExponential(1)}`);
  console.log(`(b) sweep, ${K_B} classes x ${N_B} x ${D}, 7 C x 2 folds + refit`);
  console.log(`    ours FailureDirections default (free intercept, tol ${TOL_SVC})  ${fmt(oursB.free.ms)}   sklearn SVC pipeline (paper) ${fmt(pb.svcPipeline.seconds * 1000)}   ratio ${r.b.ratioVsSVCPipeline.toFixed(1)}x (target >= 20x)`);
  console.log(`    ours liblinear mode (tol ${TOL_LIBLINEAR})  ${fmt(oursB.liblinear.ms)}   sklearn LinearSVC pipeline ${fmt(pb.linearSVCPipeline.seconds * 1000)}   ratio ${r.b.ratioVsLinearSVCPipeline.toFixed(2)}x (target >= 1x)`);
  console.log(`    ours default vs LinearSVC pipeline: ratio ${r.b.ratioDefaultVsLinearSVCPipeline.toFixed(2)}x`);
  console.log(`    same C as SVC pipeline: ${r.b.sameCAsSVCPipeline}/${K_B}; same C as LinearSVC pipeline: ${r.b.sameCAsLinearSVCPipeline}/${K_B}`);
  console.log(`    final-model objective max rel. diff (same-C classes): vs SVC ${maxAbs(r.b.objectiveRelDiffVsSVC).toExponential(1)}, vs LinearSVC ${maxAbs(r.b.objectiveRelDiffVsLinearSVC).toExponential(1)}`);
  console.log(`(c) refit at a new C (slider ${sliderCs.join(' -> ')}), n=${N_A}, d=${D}`);
  console.log(`    ours free intercept: ${oursC.free.map(fmt).join(', ')}  (median ${fmt(r.c.oursMedianMs.free)}, max ${fmt(r.c.oursMaxMs.free)}; target < 100 ms)`);
  console.log(`    ours liblinear:      ${oursC.liblinear.map(fmt).join(', ')}  (median ${fmt(r.c.oursMedianMs.liblinear)}, max ${fmt(r.c.oursMaxMs.liblinear)})`);
  console.log(`    sklearn cold fits at those C: SVC ${pc.svc.map((s: number) => fmt(s * 1000)).join(', ')}; LinearSVC ${pc.linearSVC.map((s: number) => fmt(s * 1000)).join(', ')}`);

  const out = join(__dirname, '..', 'results');
  mkdirSync(out, { recursive: true });
  const tmp = join(out, `svm.json.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(results, null, 2) + '\n');
  renameSync(tmp, join(out, 'svm.json'));
  console.log(`\nwrote bench/results/svm.json`);
}

main();
