'use strict';
// Bundles the built ES module entry as a browser app would (axios left to the app),
// prints its size minified and gzipped, and fails above the budget or when the bundle
// needs anything from Node: the core must run in a browser. For the browser platform
// esbuild resolves no Node builtin (`fs`, `node:events`…): importing one fails the build.
const path = require('path');
const zlib = require('zlib');
const esbuild = require('esbuild');

// The goal is 5 kB. It is not met: the retry core alone (the hand-registered `backoff`
// pair: safety matrix, Retry-After and reset headers, replay, strategies, validation with
// messages that name the option) is about 5.7 kB, and `attach` adds the per-origin
// coordination that keeps a client polite (cooldown, pace, probing, budget), about 4 kB
// more. The budget keeps the bundle from growing while that trade-off is open.
const LIMIT = 12 * 1024; // bytes, minified and gzipped
const GOAL = 5 * 1024;
const entry = path.join(__dirname, '..', 'dist', 'esm', 'index.js');

async function bundle(stdin) {
  const result = await esbuild
    .build({
      stdin: { contents: stdin, resolveDir: path.dirname(entry), loader: 'js' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      minify: true,
      external: ['axios'],
      write: false,
      metafile: true,
      logLevel: 'silent',
    })
    .catch((error) => {
      throw new Error(`dist/esm/index.js does not bundle for browsers (a Node builtin, or a missing build?)\n${error.message}`);
    });
  const code = result.outputFiles[0].contents;
  return {
    minified: code.length,
    gzipped: zlib.gzipSync(code, { level: 9 }).length,
    // Modules with code in the bundle, not every one esbuild read before shaking.
    modules: Object.values(Object.values(result.metafile.outputs)[0].inputs).filter((m) => m.bytesInOutput > 0).length,
    warnings: result.warnings.map((w) => `esbuild warns: ${w.text}`),
  };
}

async function main() {
  const whole = await bundle("export * from './index.js';");
  // What an app that uses only attach ships, the rest shaken off (sideEffects: false).
  const attachOnly = await bundle("import { attach } from './index.js'; export { attach };");
  // The retry core without the coordination attach adds.
  const pairOnly = await bundle("import { backoff } from './index.js'; export { backoff };");
  const line = (what, b) => `${what} (${b.modules} modules, axios external): ${b.minified} bytes minified, ${b.gzipped} bytes gzipped`;
  console.log(line('browser bundle of the whole entry', whole) + ` (budget ${LIMIT}, goal ${GOAL})`);
  console.log(line('browser bundle of attach alone', attachOnly));
  console.log(line('browser bundle of the backoff pair alone', pairOnly));
  const problems = [...whole.warnings, ...attachOnly.warnings, ...pairOnly.warnings];
  if (whole.gzipped > LIMIT) problems.push(`the bundle is ${whole.gzipped} bytes gzipped, over the ${LIMIT}-byte budget`);
  if (problems.length) throw new Error(problems.join('\n'));
}

main().catch((error) => {
  console.error(error.message);
  process.exitCode = 1;
});
