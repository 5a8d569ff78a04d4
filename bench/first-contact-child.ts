import { printResult } from './apart';
import { runFirstContact } from './first-contact';

// Run by bench/run.ts in a process of its own (see runApart).
printResult(runFirstContact());
