/**
 * DuckDB (`@duckdb/node-api`) as the engine for tables that do not fit in memory: it reads and
 * writes the Parquet and CSV shards of a streamed dataset, and answers queries over millions of
 * scored rows; results come back as Arquero tables, the notebook's table. Loaded lazily, so that
 * importing the package does not load DuckDB's native library.
 */
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import * as os from 'node:os';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

type DuckModule = typeof import('@duckdb/node-api');

let duckModule: DuckModule | null = null;

/** The `@duckdb/node-api` module, loaded on first use (a clear error when it is not installed). */
export function duckdbModule(): DuckModule {
  if (duckModule) return duckModule;
  try {
    // Loaded on first use: a 68 MB native module that only the streaming tools need.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    duckModule = require('@duckdb/node-api') as DuckModule;
  } catch (e) {
    throw new Error(`failure-directions: the streaming tools need @duckdb/node-api (npm install @duckdb/node-api): ${(e as Error).message}`, { cause: e });
  }
  return duckModule;
}

/** Options of {@link openDuck}. */
export interface DuckOptions {
  /** DuckDB worker threads. Default 1 (scoring keeps the JavaScript thread busy; one more does the I/O). */
  threads?: number;
  /** DuckDB's memory limit, e.g. `'384MB'` (the default); beyond it DuckDB spills to `tempDirectory`. */
  memoryLimit?: string;
  /** Where DuckDB may spill (default the OS temp directory). */
  tempDirectory?: string;
}

/** Quotes a string as a SQL literal. */
export function sqlString(s: string): string {
  return `'${String(s).replace(/'/g, "''")}'`;
}

/** Quotes a SQL identifier (column or table name). */
export function sqlIdent(s: string): string {
  return `"${String(s).replace(/"/g, '""')}"`;
}

/** A DuckDB in-memory database with one connection per concurrent stream of work. */
export class DuckSession {
  private closed = false;

  /** @internal */
  constructor(
    readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  /** A further connection on the same database (for work that overlaps with `connection`'s). */
  async connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  /** Runs a statement. */
  async run(sql: string, con: DuckDBConnection = this.connection): Promise<void> {
    await con.run(sql);
  }

  /** Runs a query and returns its rows as plain objects (BIGINT as number when it is exact). */
  async rows(sql: string, con: DuckDBConnection = this.connection): Promise<Record<string, unknown>[]> {
    const r = await con.runAndReadAll(sql);
    return r.getRowObjectsJS().map((row) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row)) out[k] = jsValue(v);
      return out;
    });
  }

  /** Runs a query and returns an Arquero table (column order kept; BIGINT as number when exact). */
  async table(sql: string, con: DuckDBConnection = this.connection): Promise<ColumnTable> {
    const r = await con.runAndReadAll(sql);
    const names = r.columnNames();
    const cols = r.getColumnsJS();
    const data: Record<string, unknown[]> = {};
    names.forEach((name, k) => {
      data[name] = cols[k].map(jsValue);
    });
    return aq.table(data as never);
  }

  /** Reads an INTEGER column of a query, in result order, into an Int32Array (nulls become `nullAs`). */
  async int32Column(sql: string, expected: number, nullAs: number, con: DuckDBConnection = this.connection): Promise<{ values: Int32Array; nulls: number }> {
    const result = await con.run(sql);
    const out = new Int32Array(expected);
    let k = 0;
    let nulls = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const vec = chunk.getColumnVector(0) as unknown as { items: Int32Array; getItem(i: number): number | null };
      const n = chunk.rowCount;
      if (k + n > expected) throw new RangeError(`int32Column: more than ${expected} rows`);
      out.set(vec.items.subarray(0, n), k);
      for (let i = 0; i < n; i++) {
        if (vec.getItem(i) === null) {
          out[k + i] = nullAs;
          nulls++;
        }
      }
      k += n;
    }
    if (k !== expected) throw new RangeError(`int32Column: ${k} rows, expected ${expected}`);
    return { values: out, nulls };
  }

  /**
   * Creates (or replaces) a temporary table `name(row BIGINT, score DOUBLE)` from typed arrays, through
   * DuckDB data chunks (the values are copied in bulk, not one call per value).
   */
  async rowScoreTable(name: string, rowsStart: number, scores: Float64Array, con: DuckDBConnection = this.connection): Promise<void> {
    const duck = duckdbModule();
    await con.run(`CREATE OR REPLACE TEMP TABLE ${sqlIdent(name)}(row BIGINT, score DOUBLE)`);
    const appender = await con.createAppender(name);
    const size = 2048;
    for (let off = 0; off < scores.length; off += size) {
      const m = Math.min(size, scores.length - off);
      const chunk = duck.DuckDBDataChunk.create([duck.BIGINT, duck.DOUBLE], m);
      const rowVec = chunk.getColumnVector(0) as unknown as { items: BigInt64Array; flush(): void };
      const scoreVec = chunk.getColumnVector(1) as unknown as { items: Float64Array; flush(): void };
      for (let i = 0; i < m; i++) rowVec.items[i] = BigInt(rowsStart + off + i);
      scoreVec.items.set(scores.subarray(off, off + m));
      rowVec.flush();
      scoreVec.flush();
      appender.appendDataChunk(chunk);
    }
    appender.closeSync();
  }

  /** Creates (or replaces) a temporary table of INTEGER columns from arrays, through data chunks. */
  async int32Table(name: string, columns: Record<string, ArrayLike<number>>, con: DuckDBConnection = this.connection): Promise<void> {
    const duck = duckdbModule();
    const names = Object.keys(columns);
    await con.run(`CREATE OR REPLACE TEMP TABLE ${sqlIdent(name)}(${names.map((c) => `${sqlIdent(c)} INTEGER`).join(', ')})`);
    const n = names.length ? columns[names[0]].length : 0;
    const appender = await con.createAppender(name);
    for (let off = 0; off < n; off += 2048) {
      const m = Math.min(2048, n - off);
      const chunk = duck.DuckDBDataChunk.create(names.map(() => duck.INTEGER), m);
      names.forEach((c, k) => {
        const vec = chunk.getColumnVector(k) as unknown as { items: Int32Array; flush(): void };
        const src = columns[c];
        for (let i = 0; i < m; i++) vec.items[i] = src[off + i];
        vec.flush();
      });
      appender.appendDataChunk(chunk);
    }
    appender.closeSync();
  }

  /** Closes the database. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.connection.closeSync();
    } catch {
      /* already closed */
    }
    try {
      this.instance.closeSync();
    } catch {
      /* already closed */
    }
  }
}

/** DuckDB's JS values as notebook values: exact BIGINTs as numbers, DECIMALs as numbers. */
function jsValue(v: unknown): unknown {
  if (typeof v === 'bigint') {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : v;
  }
  return v;
}

/**
 * Opens an in-memory DuckDB database with bounded memory.
 *
 * @example
 * ```ts
 * const db = await openDuck({ threads: 2 });
 * (await db.table('SELECT 42 AS answer')).print();
 * db.close();
 * ```
 */
export async function openDuck(options: DuckOptions = {}): Promise<DuckSession> {
  const duck = duckdbModule();
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`openDuck: threads must be a positive integer, got ${threads}`);
  const instance = await duck.DuckDBInstance.create(':memory:', {
    threads: String(threads),
    memory_limit: options.memoryLimit ?? '384MB',
    temp_directory: options.tempDirectory ?? os.tmpdir(),
    preserve_insertion_order: 'true',
  });
  const connection = await instance.connect();
  return new DuckSession(instance, connection);
}
