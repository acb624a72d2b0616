#!/usr/bin/env node
// Type-checks the package's published types: index.d.ts, kysely.d.ts and sql.d.ts on their own
// (tsconfig.decl.json), then usage.ts, typed-access.ts and every ```ts block of
// hosts/npm/README.md (tsconfig.json, where `asm-edge` resolves to hosts/npm/types/index.d.ts,
// its subpaths to their types and sources), and those of the repository's README.md. The blocks
// are written to readme/ here (git-ignored), one module each. Needs only Node and the repository's TypeScript (npm ci at the root); prints
// `types: N files type-checked` and exits 0, or prints tsc's errors and exits 1.
//
//   node hosts/npm/tests/types/check-readme.mjs

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const npmDir = resolve(here, '../..');
const repo = resolve(npmDir, '../..');
const outDir = join(here, 'readme');

const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
if (!existsSync(tsc)) {
  console.error(`types: TypeScript is not installed (${relative(repo, tsc)}); run npm ci at the repository root`);
  process.exit(1);
}

// Every ```ts block (```typescript too) of both READMEs, with the README and line it starts on.
const blocks = [];
for (const [name, readme] of [['README.md', join(npmDir, 'README.md')], ['root-README.md', join(repo, 'README.md')]]) {
  const lines = readFileSync(readme, 'utf8').split('\n');
  const before = blocks.length;
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(ts|typescript)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i + 1;
    const body = [];
    for (i += 1; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i++) body.push(lines[i].slice(open[1].length));
    if (i >= lines.length) {
      console.error(`types: ${relative(repo, readme)}:${start}: unterminated code block`);
      process.exit(1);
    }
    blocks.push({ readme: name, line: start, code: body.join('\n') });
  }
  if (blocks.length === before) {
    console.error(`types: ${relative(repo, readme)} has no \`\`\`ts block`);
    process.exit(1);
  }
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const files = blocks.map(({ readme, line, code }, n) => {
  const prefix = readme === 'README.md' ? 'block' : 'root-block';
  const name = `${prefix}-${String(n + 1).padStart(2, '0')}-line-${line}.ts`;
  // `export {}` keeps every block a module of its own, so their top-level names never clash.
  writeFileSync(join(outDir, name), `// ${readme} line ${line}\n${code}\nexport {};\n`);
  return name;
});
writeFileSync(
  join(outDir, 'tsconfig.json'),
  `${JSON.stringify({ extends: '../tsconfig.json', files: ['../drivers.d.ts', '../usage.ts', '../typed-access.ts', ...files] }, null, 2)}\n`,
);

function run(config) {
  const result = spawnSync(process.execPath, [tsc, '-p', config, '--noEmit', '--pretty', 'false'], {
    cwd: here,
    encoding: 'utf8',
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  if (result.status !== 0) {
    console.error(`types: tsc -p ${relative(repo, config)} failed${result.error ? `: ${result.error.message}` : ''}`);
    if (output) console.error(output);
    process.exit(1);
  }
}

run(join(here, 'tsconfig.decl.json'));
run(join(outDir, 'tsconfig.json'));
// index.d.ts, kysely.d.ts, sql.d.ts, drivers.d.ts, usage.ts, typed-access.ts and the README's blocks.
console.log(`types: ${files.length + 6} files type-checked`);
