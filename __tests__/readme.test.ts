import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const root = path.join(__dirname, '..');

/** Every ```ts block of the README, as its own module importing the library from source. */
function readmeBlocks(): string[] {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

function typeCheck(blocks: string[]): string[] {
  // Inside the project, so the blocks resolve axios from its node_modules.
  const dir = fs.mkdtempSync(path.join(root, '.readme-'));
  try {
    const lib = path.join(root, 'lib');
    const files = blocks.map((code, i) => {
      const file = path.join(dir, `block-${i + 1}.ts`);
      // `export {}` makes each block a module, so their top-level names do not collide.
      fs.writeFileSync(file, `${code.replace(/from 'axios-backoff(\/[a-z]+)?'/g, (_, sub = '') => `from '${lib}${sub}'`)}\nexport {};\n`);
      return file;
    });
    const { config } = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
    const program = ts.createProgram(files, { ...options, noEmit: true, noUnusedLocals: false, typeRoots: [path.join(root, 'node_modules/@types')] });
    return ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('README', () => {
  const blocks = readmeBlocks();

  it('has TypeScript examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });

  it('type-checks every TypeScript block against the library', () => {
    expect(typeCheck(blocks)).toEqual([]);
  });

  it('reports a block that does not type-check', () => {
    const broken = "import { attach } from 'axios-backoff';\nattach(42);\n";
    expect(typeCheck([broken]).join('\n')).toMatch(/block-1\.ts:2/);
  });

  it('starts with the users\' install line, then the contributors\' install and test commands', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const [users, contributors] = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(users).toMatch(/^npm install axios-backoff axios$/m);
    expect(contributors).toMatch(/^npm ci\b/m);
    expect(contributors).toMatch(/^npm test\b/m);
    expect(contributors).toMatch(/^npm run demo\b/m);
  });
});
