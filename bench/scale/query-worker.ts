/**
 * Times DuckDB queries on a scored folder in a fresh process:
 * node --import tsx bench/scale/query-worker.ts <out> -> JSON: open seconds, 100 hardest per class (median of 3;
 * from the heaps' files), 101 hardest (past the heaps: a scan of every row), with a metadata column, flag rates.
 */
import { scoresDb } from '../../src/stream';

async function main() {
  const [out] = process.argv.slice(2);
  let t = performance.now();
  const db = await scoresDb(out);
  const openSeconds = (performance.now() - t) / 1000;
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < 3; i++) {
    t = performance.now();
    const h = await db.hardest({ k: 100 });
    times.push((performance.now() - t) / 1000);
    rows = h.numRows();
  }
  t = performance.now();
  await db.hardest({ k: 101 });
  const hardestFullScanSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  const withCaption = await db.hardest({ k: 100, columns: ['caption'] });
  const hardestWithMetadataSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  await db.flagRates('caption');
  const flagRatesByMetadataSeconds = (performance.now() - t) / 1000;
  db.close();
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ openSeconds, hardestSeconds: times[1], hardestRows: rows, hardestFullScanSeconds, hardestWithMetadataSeconds, hardestWithMetadataRows: withCaption.numRows(), flagRatesByMetadataSeconds }));
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
