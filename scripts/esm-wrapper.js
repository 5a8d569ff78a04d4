'use strict';
// Writes an ES module entry beside the CommonJS build, so `import` and `require`
// share one implementation (and one copy of any state).
const fs = require('fs');
const path = require('path');

const dist = path.join(__dirname, '..', 'dist');
const names = Object.keys(require(path.join(dist, 'index.js'))).filter((n) => n !== '__esModule' && n !== 'default');
if (names.length === 0) throw new Error('dist/index.js exports nothing: build first');

fs.writeFileSync(
  path.join(dist, 'index.mjs'),
  `import cjs from './index.js';\nexport const { ${names.join(', ')} } = cjs;\n`,
);
fs.writeFileSync(path.join(dist, 'index.d.mts'), "export * from './index.js';\n");
console.log(`dist/index.mjs re-exports ${names.length} names`);
