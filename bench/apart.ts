import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs a bench script (a file of bench/) in a node process of its own and parses the JSON it
 * prints: microseconds are then timed in a fresh V8, not one whose JIT and heap the network
 * scenarios have already shaped.
 */
export function runApart<T>(script: string): Promise<T> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, script)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(out) as T);
      else reject(new Error(`bench/${script} exited with ${code}`));
    });
  });
}

/** The body of a script run apart: prints the result as JSON, or fails the process. */
export function printResult(work: Promise<unknown>): void {
  work.then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
