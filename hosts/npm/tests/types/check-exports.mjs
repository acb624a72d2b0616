#!/usr/bin/env node
// Checks that hosts/npm/types/index.d.ts declares exactly what the built package exports: for
// every entry point of pkg/package.json's `exports` map (each file its conditions select:
// node.js, browser.js, workerd.js), the runtime export names against the declared values
// (functions, classes, consts; not interfaces or type aliases), and the public members of every
// exported class (`Store`: methods and getters, its prototype chain and statics) against the
// declared class.
//
// Each entry is imported the way a user does: a child `node --conditions=<condition>` imports
// `asm-edge` (node_modules/asm-edge → pkg/, as tests/run links it). An entry that cannot load in
// Node (browser.js fetches its .wasm, workerd.js imports it as a module) has its exports read
// from its `export` statements instead, following `export … from` into the modules that define
// them, which load in Node without the WebAssembly; the static reading of the entries that do
// load is compared with their runtime exports, so the fallback is itself checked. Names starting
// with `__` (wasm-bindgen's `__wrap`, `__destroy_into_raw`, `__wbg_ptr`), symbol keys
// (`[Symbol.dispose]`) and `constructor` are internal; `free` is public (index.d.ts documents it).
//
// Prints `types: exports match index.d.ts (N entry points, M names, K Store methods)` and exits
// 0, or lists every difference per entry point and exits 1. Needs pkg/ (scripts/build-npm), the
// link, and the repository's TypeScript (npm ci at the root). ASM_DTS=<file> checks another
// declaration file in place of index.d.ts.
//
//   node hosts/npm/tests/types/check-exports.mjs

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PACKAGE = 'asm-edge';
const PROBE = '--probe';
const MARK = 'asm-exports: ';

/** wasm-bindgen's plumbing and the language's own members: never part of the comparison. */
const internal = (name) => name.startsWith('__') || name === 'constructor';

function kindOf(value) {
  if (typeof value !== 'function') return 'value';
  return /^class\b/.test(Function.prototype.toString.call(value)) ? 'class' : 'function';
}

/** Public members of a class: its prototype chain's own string keys (methods, accessors) and its statics. */
function membersOf(cls) {
  const instance = new Set();
  for (let proto = cls.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) if (!internal(name)) instance.add(name);
  }
  const statics = Object.getOwnPropertyNames(cls).filter(
    (name) => !['length', 'name', 'prototype'].includes(name) && !internal(name),
  );
  return { instance: [...instance].sort(), statics: statics.sort() };
}

/** { kind: 'class' | 'function' | 'value' }, with `instance` and `statics` for a class. */
function describe(value) {
  const kind = kindOf(value);
  return kind === 'class' ? { kind, ...membersOf(value) } : { kind };
}

// --- The child: import the package under the given conditions and print what it exports. ---
if (process.argv[2] === PROBE) {
  const specifier = process.argv[3];
  const file = fileURLToPath(import.meta.resolve(specifier));
  let namespace;
  try {
    namespace = await import(specifier);
  } catch (error) {
    console.log(MARK + JSON.stringify({ file, error: String(error?.stack ?? error).split('\n')[0] }));
    process.exit(0);
  }
  const exports = {};
  for (const name of Object.keys(namespace).sort()) exports[name] = describe(namespace[name]);
  console.log(MARK + JSON.stringify({ file, exports }));
  process.exit(0);
}

// --- The check. ---
const self = fileURLToPath(import.meta.url);
const here = dirname(self);
const npmDir = resolve(here, '../..');
const repo = resolve(npmDir, '../..');
const rel = (path) => {
  const r = relative(repo, path);
  return r.startsWith('..') ? path : r || '.';
};

function fail(message) {
  console.error(`types: ${message}`);
  process.exit(1);
}

const require = createRequire(join(repo, 'package.json'));
let ts;
try {
  ts = require('typescript');
} catch {
  fail('TypeScript is not installed (node_modules/typescript); run npm ci at the repository root');
}

let manifestPath;
try {
  manifestPath = fileURLToPath(import.meta.resolve(`${PACKAGE}/package.json`));
} catch {
  fail(`${PACKAGE} does not resolve: build pkg/ (scripts/build-npm), then ln -sfn ../pkg node_modules/${PACKAGE}`);
}
const pkgDir = dirname(manifestPath);
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));

// --- Entry points: every (subpath, condition) of the exports map that names a .js file. ---
const entries = [];
const conditionsOnly = (map) => typeof map === 'string' || Object.keys(map ?? {}).every((key) => !key.startsWith('.'));
const exportsMap = conditionsOnly(manifest.exports) ? { '.': manifest.exports } : manifest.exports;
for (const [subpath, target] of Object.entries(exportsMap ?? {})) {
  if (subpath.endsWith('.json')) continue;
  const specifier = PACKAGE + subpath.slice(1);
  const byFile = new Map();
  let types = typeof manifest.types === 'string' && subpath === '.' ? manifest.types : null;
  const walk = (node, conditions) => {
    if (typeof node === 'string') {
      const condition = conditions.at(-1) ?? 'default';
      if (condition === 'types') {
        types = node;
        return;
      }
      const file = resolve(pkgDir, node);
      if (!byFile.has(file)) byFile.set(file, []);
      byFile.get(file).push(condition);
    } else if (node && typeof node === 'object') {
      for (const [condition, inner] of Object.entries(node)) walk(inner, [...conditions, condition]);
    }
  };
  walk(target, []);
  if (!types) fail(`${rel(manifestPath)}: exports["${subpath}"] names no types`);
  // The published types are copied from hosts/npm/types; check the source. Declarations the
  // build generates (the Drizzle tables', emitted by tsc into pkg/drizzle/) are checked in pkg/.
  const typesFile = types.replace(/^\.\//, '');
  const source = join(npmDir, 'types', typesFile);
  const dts = typesFile === 'index.d.ts' && process.env.ASM_DTS
    ? resolve(process.env.ASM_DTS)
    : existsSync(source) ? source : resolve(pkgDir, typesFile);
  for (const [file, conditions] of byFile) {
    const condition = conditions.find((c) => !['default', 'import', 'require'].includes(c)) ?? 'default';
    entries.push({ specifier, file, conditions, condition, dts });
  }
}
if (entries.length === 0) fail(`${rel(manifestPath)} has no entry point`);

// --- Runtime exports, by importing each entry in a child process. ---
function probe(entry) {
  const args = entry.condition === 'default' ? [] : [`--conditions=${entry.condition}`];
  const result = spawnSync(process.execPath, [...args, self, PROBE, entry.specifier], {
    cwd: here,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const line = (result.stdout ?? '').split('\n').find((l) => l.startsWith(MARK));
  if (!line) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
    const why = result.error ? `: ${result.error.message}` : '';
    fail(`importing ${entry.specifier} under --conditions=${entry.condition} failed${why}\n${output}`);
  }
  return JSON.parse(line.slice(MARK.length));
}

// --- Static exports: the entry's `export` statements, following `export … from`. ---
function moduleFile(from, specifier) {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) {
    throw new Error(`${rel(from)}: cannot follow \`export … from '${specifier}'\` (not a relative path)`);
  }
  const file = resolve(dirname(from), specifier);
  if (!existsSync(file)) throw new Error(`${rel(from)}: '${specifier}' does not exist`);
  return file;
}

/** name → { file, name }: where each export of `file` is defined (or re-exported from). */
function staticExports(file, stack = []) {
  if (stack.includes(file)) return new Map();
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const out = new Map();
  const hasModifier = (node, kind) =>
    ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
  const bindingNames = (name, names = []) => {
    if (ts.isIdentifier(name)) names.push(name.text);
    else for (const item of name.elements) if (!ts.isOmittedExpression(item)) bindingNames(item.name, names);
    return names;
  };
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement)) {
      if (statement.isTypeOnly) continue;
      const target = statement.moduleSpecifier ? moduleFile(file, statement.moduleSpecifier.text) : null;
      const clause = statement.exportClause;
      if (!clause) {
        // `export * from`: every export of the target but its default.
        for (const [name, origin] of staticExports(target, [...stack, file])) {
          if (name !== 'default') out.set(name, origin);
        }
      } else if (ts.isNamespaceExport(clause)) {
        out.set(clause.name.text, { file: target, name: '*' });
      } else {
        for (const element of clause.elements) {
          if (element.isTypeOnly) continue;
          const local = (element.propertyName ?? element.name).text;
          out.set(element.name.text, { file: target ?? file, name: target ? local : element.name.text });
        }
      }
    } else if (ts.isExportAssignment(statement)) {
      out.set('default', { file, name: 'default' });
    } else if (hasModifier(statement, ts.SyntaxKind.ExportKeyword)) {
      const isDefault = hasModifier(statement, ts.SyntaxKind.DefaultKeyword);
      if (ts.isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations) {
          for (const name of bindingNames(declaration.name)) out.set(name, { file, name });
        }
      } else if (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) {
        const name = isDefault ? 'default' : statement.name.text;
        out.set(name, { file, name });
      }
    }
  }
  return out;
}

/** The values behind a static export list, read from the modules that define them. */
async function loadOrigins(origins, entryFile) {
  const exports = {};
  for (const [name, origin] of [...origins].sort(([a], [b]) => a.localeCompare(b))) {
    if (origin.file === entryFile) {
      exports[name] = { kind: 'unknown', why: `defined in ${rel(entryFile)}, which does not load in Node` };
      continue;
    }
    try {
      const namespace = await import(pathToFileURL(origin.file).href);
      if (origin.name === '*') exports[name] = { kind: 'value' };
      else if (origin.name in namespace) exports[name] = describe(namespace[origin.name]);
      else exports[name] = { kind: 'missing', why: `${rel(origin.file)} does not export ${origin.name}` };
    } catch (error) {
      const why = `${rel(origin.file)} does not load in Node: ${String(error?.message ?? error).split('\n')[0]}`;
      exports[name] = { kind: 'unknown', why };
    }
  }
  return exports;
}

// --- Declared exports: the value declarations of the .d.ts, through the TypeChecker. ---
const declaredCache = new Map();
function declared(dts) {
  if (declaredCache.has(dts)) return declaredCache.get(dts);
  if (!existsSync(dts)) fail(`${dts} does not exist`);
  const program = ts.createProgram([dts], {
    noEmit: true,
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts'],
    types: [],
  });
  const syntax = program.getSyntacticDiagnostics();
  if (syntax.length) {
    const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => repo, getNewLine: () => '\n' };
    fail(`${rel(dts)} does not parse:\n${ts.formatDiagnostics(syntax, host)}`);
  }
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(dts);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (!moduleSymbol) fail(`${rel(dts)} is not a module`);
  const isPublic = (symbol) => {
    const name = symbol.getName();
    // `internal` covers symbol keys too: the checker names `[Symbol.dispose]` `__@dispose@…`.
    if (internal(name) || name.startsWith('#') || name === 'prototype') return false;
    const hidden = ts.ModifierFlags.Private | ts.ModifierFlags.Protected;
    return !(symbol.declarations ?? []).some((d) => ts.getCombinedModifierFlags(d) & hidden);
  };
  const values = new Map();
  const typeOnly = new Set();
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const name = exported.getName();
    const onlyType = (exported.declarations ?? []).some((d) => ts.isTypeOnlyImportOrExportDeclaration?.(d));
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const flags = symbol.flags;
    let kind = null;
    if (flags & ts.SymbolFlags.Class) kind = 'class';
    else if (flags & ts.SymbolFlags.Function) kind = 'function';
    else if (flags & (ts.SymbolFlags.Variable | ts.SymbolFlags.RegularEnum | ts.SymbolFlags.ValueModule)) {
      kind = 'value';
    }
    if (!kind || onlyType) {
      typeOnly.add(name);
      continue;
    }
    const entry = { kind };
    if (kind === 'class') {
      const instanceType = checker.getDeclaredTypeOfSymbol(symbol);
      const staticType = checker.getTypeOfSymbolAtLocation(symbol, symbol.valueDeclaration ?? source);
      const publicNames = (type) => checker.getPropertiesOfType(type).filter(isPublic).map((p) => p.getName()).sort();
      entry.instance = publicNames(instanceType);
      entry.statics = publicNames(staticType);
    }
    values.set(name, entry);
  }
  const result = { values, typeOnly };
  declaredCache.set(dts, result);
  return result;
}

// --- Compare. ---
const difference = (a, b) => [...a].filter((x) => !b.has(x)).sort();
const problems = [];
let names = 0;
let storeMethods = 0;
for (const entry of entries) {
  const label = `${entry.specifier} → ${rel(entry.file)} (${entry.conditions.join(', ')})`;
  const lines = [];
  const runtime = probe(entry);
  if (runtime.file !== entry.file) {
    const resolved = rel(runtime.file);
    problems.push(`${label}:\n    --conditions=${entry.condition} resolves to ${resolved}, not to this entry`);
    continue;
  }
  let origins;
  try {
    origins = staticExports(entry.file);
  } catch (error) {
    problems.push(`${label}:\n    ${error.message}`);
    continue;
  }
  let exports;
  let how;
  if (runtime.exports) {
    exports = runtime.exports;
    how = 'imported';
    // The static reading must agree wherever it can be checked, or the fallback is not to be trusted.
    const staticNames = new Set(origins.keys());
    const runtimeNames = new Set(Object.keys(exports));
    const missed = difference(runtimeNames, staticNames);
    const invented = difference(staticNames, runtimeNames);
    if (missed.length) lines.push(`exported, missed by reading its export statements: ${missed.join(', ')}`);
    if (invented.length) lines.push(`found reading its export statements, not exported: ${invented.join(', ')}`);
  } else {
    exports = await loadOrigins(origins, entry.file);
    how = `read from its export statements (it does not load in Node: ${runtime.error})`;
  }

  const { values, typeOnly } = declared(entry.dts);
  const dtsName = rel(entry.dts);
  const runtimeNames = new Set(Object.keys(exports));
  const declaredNames = new Set(values.keys());
  const list = (items) => items.join(', ');
  const undeclared = difference(runtimeNames, declaredNames).map((n) =>
    typeOnly.has(n) ? `${n} (declared only as a type)` : n,
  );
  const absent = difference(declaredNames, runtimeNames);
  if (undeclared.length) lines.push(`exported, not declared in ${dtsName}: ${list(undeclared)}`);
  if (absent.length) lines.push(`declared in ${dtsName}, not exported at runtime: ${list(absent)}`);

  for (const name of [...runtimeNames].filter((n) => declaredNames.has(n)).sort()) {
    const actual = exports[name];
    const wanted = values.get(name);
    if (actual.kind === 'unknown' || actual.kind === 'missing') {
      lines.push(`${name}: cannot inspect its value: ${actual.why}`);
      continue;
    }
    if (wanted.kind === 'class' && actual.kind !== 'class') {
      lines.push(`${name}: declared as a class, is a ${actual.kind} at runtime`);
      continue;
    }
    if (wanted.kind === 'function' && actual.kind !== 'function') {
      lines.push(`${name}: declared as a function, is a ${actual.kind} at runtime`);
      continue;
    }
    if (wanted.kind !== 'class') continue;
    for (const [side, what] of [['instance', 'member'], ['statics', 'static member']]) {
      const have = new Set(actual[side]);
      const want = new Set(wanted[side]);
      const extra = difference(have, want);
      const missing = difference(want, have);
      if (extra.length) lines.push(`${name}: ${what}s at runtime, not declared in ${dtsName}: ${list(extra)}`);
      if (missing.length) lines.push(`${name}: ${what}s declared in ${dtsName}, not at runtime: ${list(missing)}`);
    }
  }
  if (exports.Store?.kind === 'class') storeMethods = Math.max(storeMethods, exports.Store.instance.length);
  names = Math.max(names, runtimeNames.size);
  if (lines.length) problems.push(`${label}, ${how}:\n${lines.map((l) => `    ${l}`).join('\n')}`);
}

if (problems.length) {
  console.error(`types: the package's exports and its declarations differ\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
const counts = `${entries.length} entry points, ${names} names, ${storeMethods} Store methods`;
console.log(`types: exports match index.d.ts (${counts})`);
