import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface ChildRun {
  readonly code: number | null;
  /** The guard had to kill it: it did not exit by itself in time. */
  readonly killed: boolean;
  readonly stdout: string;
  readonly stderr: string;
  /** From its last output to its exit, ms: what a timer or socket left behind would stretch. */
  readonly exitLagMs: number;
}

/** Runs a TypeScript file of the project in its own node process, killed if it outlives `guardMs`. */
export function runTypeScript(file: string, guardMs: number): Promise<ChildRun> {
  const root = join(__dirname, '..', '..');
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(root, file)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let lastOutputAt = Date.now();
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    lastOutputAt = Date.now();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    lastOutputAt = Date.now();
  });
  let killed = false;
  const guard = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, guardMs);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, killed, stdout, stderr, exitLagMs: Date.now() - lastOutputAt });
    });
  });
}
