'use strict';
// Builds dist/cjs (CommonJS) and dist/esm (ES modules), each with its own declarations,
// from the same sources. Node resolves an ES module's relative imports only by their full
// file name, and TypeScript checks ES declarations the same way, so the ES output's
// extensionless specifiers (`./options`) are rewritten to the files they name
// (`./options.js`, `./presets/index.js`). A specifier that names no emitted file fails the build.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');
const tsc = require.resolve('typescript/bin/tsc');

fs.rmSync(dist, { recursive: true, force: true });
for (const [config, dir, type] of [
  ['tsconfig.build.json', 'cjs', 'commonjs'],
  ['tsconfig.build.esm.json', 'esm', 'module'],
]) {
  execFileSync(process.execPath, [tsc, '-p', path.join(root, config)], { stdio: 'inherit' });
  // Marks each folder's format, whatever the package's own "type" says; bundlers read the
  // nearest package.json, so it repeats that the modules have no side effects.
  fs.writeFileSync(path.join(dist, dir, 'package.json'), `${JSON.stringify({ type, sideEffects: false })}\n`);
}

function filesUnder(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

/** The full specifier for `spec` as imported from `file`: `./x` -> `./x.js` or `./x/index.js`. */
function fullSpecifier(file, spec) {
  const declaration = file.endsWith('.d.ts');
  const base = path.resolve(path.dirname(file), spec);
  for (const suffix of ['', '/index']) {
    const target = `${base}${suffix}${declaration ? '.d.ts' : '.js'}`;
    if (fs.existsSync(target)) return `${spec}${suffix}.js`;
  }
  throw new Error(`${path.relative(root, file)} imports '${spec}', which names no emitted file`);
}

let rewritten = 0;
const esm = path.join(dist, 'esm');
for (const file of filesUnder(esm).filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'))) {
  const text = fs.readFileSync(file, 'utf8');
  // The scanner TypeScript itself uses to list a file's imports: static, dynamic and `import()` types.
  const { importedFiles } = ts.preProcessFile(text, true, true);
  const relative = importedFiles.filter(({ fileName }) => /^\.\.?\//.test(fileName) && !fileName.endsWith('.js'));
  if (relative.length === 0) continue;
  let out = '';
  let at = 0;
  for (const { fileName, pos } of relative) {
    const start = pos + 1; // pos is the opening quote's
    if (text.slice(start, start + fileName.length) !== fileName) throw new Error(`${path.relative(root, file)}: cannot find '${fileName}' at ${pos}`);
    out += text.slice(at, start) + fullSpecifier(file, fileName);
    at = start + fileName.length;
  }
  fs.writeFileSync(file, out + text.slice(at));
  rewritten += relative.length;
}
// axios' CommonJS typings (index.d.cts) declare AxiosError as a type alias inside their namespace:
// an interface of that name merged into it is a duplicate identifier (TS2300) for every CommonJS
// project that checks its libraries. The CommonJS declarations leave `err.backoff` untyped there;
// `backoffInfo(err)` reads it in every set-up.
const cjsTypes = path.join(dist, 'cjs', 'types.d.ts');
const augmented = fs.readFileSync(cjsTypes, 'utf8');
const errorAugmentation = /\n {4}interface AxiosError \{\n[\s\S]*?\n {4}\}/;
if (!errorAugmentation.test(augmented)) throw new Error('dist/cjs/types.d.ts: the AxiosError augmentation to leave out was not found');
fs.writeFileSync(cjsTypes, augmented.replace(errorAugmentation, ''));

console.log(`dist/cjs and dist/esm built; ${rewritten} relative imports in dist/esm given their full file names`);
