'use strict';
// Loads the built package by its own name, as a user would, through both module systems.
const { execFileSync } = require('child_process');

const expected = ['attach', 'backoff', 'constant', 'decorrelatedJitter', 'exponential', 'linear'];
const cjs = require('axios-backoff');
const missing = expected.filter((name) => typeof cjs[name] !== 'function');
if (missing.length) throw new Error(`require('axios-backoff') lacks ${missing.join(', ')}`);

const esm = execFileSync(process.execPath, [
  '--input-type=module',
  '-e',
  `import * as m from 'axios-backoff'; console.log(JSON.stringify(Object.keys(m).sort()));`,
]).toString();
const esmMissing = expected.filter((name) => !JSON.parse(esm).includes(name));
if (esmMissing.length) throw new Error(`import from 'axios-backoff' lacks ${esmMissing.join(', ')}`);
console.log(`package loads through require and import: ${expected.join(', ')}`);
