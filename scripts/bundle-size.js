'use strict';
// Bundles the built ES module entry as a browser app would (axios left to the app),
// prints its size minified and gzipped, and fails above the budget or when the bundle
// needs anything from Node: the core must run in a browser. For the browser platform
// esbuild resolves no Node builtin (`fs`, `node:events`…): importing one fails the build.
const path = require('path');
const zlib = require('zlib');
const esbuild = require('esbuild');

// What an app ships for `import { attach }` and for `import { backoff, exponential }`, against
// two kinds of figure: the goals (8.5 kB and 4.5 kB gzipped) and the budgets this build must not
// exceed. The goals are not met: coordination at the transport, with what keeps every request
// settling (stalls, cancel tokens, held requests swept, reasons in errors) and events, costs about
// 12.9 kB for attach, and the rate model (the quota readers of IETF, X-RateLimit, Bybit and
// KuCoin headers, declared limits, the learned pace and its curve) 4.7 kB more: 17.6 kB; a signed
// request's validity (a hold or a wait past it fails, a held one is signed again as it leaves)
// 0.5 kB more: 18.1 kB; a hook that throws failing the request wherever it is asked, and the lane's
// pace and outage as classes of their own (lane.ts had grown to four concerns), 0.5 kB more: 18.6 kB;
// the retry core alone (safety matrix, Retry-After and reset headers,
// replay, strategies, validation naming the option) about 6.7 kB. The budgets (a few % above
// those) stop the bundles growing unnoticed while that is open.
const BUDGETS = [
  { name: 'attach alone', source: "import { attach } from './index.js'; export { attach };", goal: 8704, budget: 19328 },
  { name: 'backoff and exponential', source: "import { backoff, exponential } from './index.js'; export { backoff, exponential };", goal: 4608, budget: 6912 },
];
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
  const line = (what, b) => `${what} (${b.modules} modules, axios external): ${b.minified} bytes minified, ${b.gzipped} bytes gzipped`;
  console.log(line('browser bundle of the whole entry', whole));
  const problems = [...whole.warnings];
  for (const { name, source, goal, budget } of BUDGETS) {
    const b = await bundle(source);
    const mark = b.gzipped <= goal ? 'goal met' : `goal ${goal} not met`;
    console.log(`${line(`browser bundle of ${name}`, b)} (budget ${budget}, ${mark})`);
    problems.push(...b.warnings);
    if (b.gzipped > budget) problems.push(`${name} is ${b.gzipped} bytes gzipped, over its ${budget}-byte budget`);
  }
  if (problems.length) throw new Error(problems.join('\n'));
}

main().catch((error) => {
  console.error(error.message);
  process.exitCode = 1;
});
