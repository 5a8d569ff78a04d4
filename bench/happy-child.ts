import { printResult } from './apart';
import { runHappyPath } from './happy';

// Run by bench/run.ts in a process of its own (see runApart).
printResult(runHappyPath());
