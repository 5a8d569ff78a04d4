'use strict';
// Jest loads CommonJS only. coinbase-api requires `jose`, which ships as ES modules alone (Node
// 20.19+ requires them natively; Jest's module system does not): esbuild turns them into CommonJS.
const { transformSync } = require('esbuild');

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, { format: 'cjs', loader: 'js', sourcemap: 'external', sourcefile: filename, target: 'node18' });
    return { code, map };
  },
};
