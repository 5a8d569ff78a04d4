import { runHappyPath } from './happy';

// Run by bench/run.ts in a process of its own: microseconds are timed in a fresh V8,
// not one whose JIT and heap the network scenarios have already shaped.
runHappyPath().then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
