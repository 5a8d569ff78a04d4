'use strict';
// Loads the built package by its own name, as a user would, through both module systems.
const { execFileSync } = require('child_process');

const entries = {
  'axios-backoff': ['attach', 'backoff', 'constant', 'decorrelatedJitter', 'exponential', 'linear', 'presets', 'memoryStore'],
  'axios-backoff/redis': ['redisStore'],
};

for (const [name, expected] of Object.entries(entries)) {
  const cjs = require(name);
  const missing = expected.filter((key) => cjs[key] === undefined);
  if (missing.length) throw new Error(`require('${name}') lacks ${missing.join(', ')}`);
  const esm = execFileSync(process.execPath, [
    '--input-type=module',
    '-e',
    `import * as m from '${name}'; console.log(JSON.stringify(Object.keys(m)));`,
  ]).toString();
  const esmMissing = expected.filter((key) => !JSON.parse(esm).includes(key));
  if (esmMissing.length) throw new Error(`import from '${name}' lacks ${esmMissing.join(', ')}`);
  console.log(`${name} loads through require and import: ${expected.join(', ')}`);
}
