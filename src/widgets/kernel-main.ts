#!/usr/bin/env node
/**
 * Entry point of the `failure-directions-kernel` command (what `kernel.json` runs): tslab with comms.
 * See `tslab-kernel.ts`.
 */
import { main } from './tslab-kernel';

try {
  main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`failure-directions-kernel: ${(e as Error).message}\n`);
  process.exitCode = 2;
}
