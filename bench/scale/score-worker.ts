/**
 * One scoring run of `npm run bench:scale` in its own process (so its peak RSS is its own):
 * node --import tsx bench/scale/score-worker.ts <folder> <nShards> <model.json> <out>
 * Prints one JSON line: rows, seconds (source checks + scoring + heaps + writing), rows/s, CPU seconds
 * (all threads, DuckDB's included), peak RSS.
 */
import * as fs from 'node:fs';
import { FailureDirections } from '../../src/directions/failure-directions';
import { setProgressSink } from '../../src/util/progress';
import { clipRetrievalFolder, scoreShards } from '../../src/stream';

async function main() {
  const [folder, nShards, modelFile, out] = process.argv.slice(2);
  setProgressSink(null);
  const dirs = FailureDirections.fromJSON(fs.readFileSync(modelFile, 'utf8'));
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const src = await clipRetrievalFolder(folder);
  const run = await scoreShards(dirs, src, { out, shards: [0, Number(nShards)], topK: 100 });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // VmHWM is per address space (reset by exec); resourceUsage().maxRSS would include the forking parent's pages.
  const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  const peak = hwm ? Number(hwm[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ rows: run.rows, seconds, rowsPerSecond: run.rows / seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, scoringSeconds: run.seconds, peakRssBytes: peak, engine: run.engine, flagged: run.flagged }));
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
