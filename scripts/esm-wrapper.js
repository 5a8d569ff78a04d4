'use strict';
// Writes an ES module entry beside each CommonJS entry, so `import` and `require`
// share one implementation (and one copy of any state).
const fs = require('fs');
const path = require('path');

const dist = path.join(__dirname, '..', 'dist');
for (const entry of ['index', 'redis/index']) {
  const names = Object.keys(require(path.join(dist, `${entry}.js`))).filter((n) => n !== '__esModule' && n !== 'default');
  if (names.length === 0) throw new Error(`dist/${entry}.js exports nothing: build first`);
  const base = path.basename(entry);
  fs.writeFileSync(path.join(dist, `${entry}.mjs`), `import cjs from './${base}.js';\nexport const { ${names.join(', ')} } = cjs;\n`);
  fs.writeFileSync(path.join(dist, `${entry}.d.mts`), `export * from './${base}.js';\n`);
  console.log(`dist/${entry}.mjs re-exports ${names.length} names`);
}
