'use strict';
// Loads the built package by its own name, as a user would, through both module systems:
// `require` must get dist/cjs and `import` dist/esm (CommonJS loaded through `import` would
// also show a `default` export), each exporting every public name; then each build retries
// a 503 through the axios installed here.
const { execFileSync } = require('child_process');

const entries = {
  'axios-backoff': ['attach', 'backoff', 'constant', 'decorrelatedJitter', 'exponential', 'linear', 'presets', 'memoryStore'],
  'axios-backoff/redis': ['redisStore'],
  'axios-backoff/signers': ['signers'],
};

function run(args) {
  return execFileSync(process.execPath, args, { encoding: 'utf8' }).trim();
}

for (const [name, expected] of Object.entries(entries)) {
  const cjs = require(name);
  const missing = expected.filter((key) => cjs[key] === undefined);
  if (missing.length) throw new Error(`require('${name}') lacks ${missing.join(', ')}`);
  if (!require.resolve(name).includes('/dist/cjs/')) throw new Error(`require('${name}') loads ${require.resolve(name)}, not dist/cjs`);
  // import.meta.resolve is unflagged from Node 20.6; older versions skip the path check.
  const { keys, url } = JSON.parse(run(['--input-type=module', '-e',
    `import * as m from '${name}'; console.log(JSON.stringify({ keys: Object.keys(m), url: import.meta.resolve?.('${name}') }));`]));
  const esmMissing = expected.filter((key) => !keys.includes(key));
  if (esmMissing.length) throw new Error(`import from '${name}' lacks ${esmMissing.join(', ')}`);
  if (keys.includes('default')) throw new Error(`import from '${name}' has a default export: it loads CommonJS, not dist/esm`);
  if (url && !url.includes('/dist/esm/')) throw new Error(`import from '${name}' loads ${url}, not dist/esm`);
  console.log(`${name} loads through require and import: ${expected.join(', ')}`);
}

// A 503, then a 200, from an adapter: no network. Prints the attempts the adapter saw.
const retry = `
  let calls = 0;
  const adapter = async (config) => {
    calls += 1;
    const response = { data: {}, status: calls === 1 ? 503 : 200, statusText: '', headers: {}, config, request: {} };
    if (calls === 1) throw new axios.AxiosError('503', 'ERR_BAD_RESPONSE', config, {}, response);
    return response;
  };
  const api = axios.create({ adapter });
  const detach = lib.attach(api, { strategy: lib.constant(0) });
  const response = await api.get('http://origin.test/ping');
  detach();
  console.log(JSON.stringify({ status: response.status, calls, attempt: response.config.backoffState.attempt }));
`;
const results = {
  require: run(['-e', `const axios = require('axios'); const lib = require('axios-backoff'); (async () => {${retry}})();`]),
  import: run(['--input-type=module', '-e', `import axios from 'axios'; import * as lib from 'axios-backoff';${retry}`]),
};
const axiosVersion = require('axios/package.json').version;
for (const [how, printed] of Object.entries(results)) {
  const { status, calls, attempt } = JSON.parse(printed);
  if (status !== 200 || calls !== 2 || attempt !== 1) throw new Error(`through ${how}, a 503 then a 200 gave ${printed}`);
  console.log(`through ${how}, a 503 is retried once and succeeds (axios ${axiosVersion})`);
}
