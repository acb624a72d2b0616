// Cloudflare Workers entry: the full WebAssembly module alone, which wrangler bundles as a
// compiled module. A Worker bundles every module it imports, so a small first module loaded at
// once would only add bytes here. pkg/workerd/ holds copies of the API modules whose
// `./wasm/asm_npm.js` is the full module's glue (scripts/build-npm), so the `Store` they export
// has every method of its own.
import { initSync } from './workerd/wasm/asm_npm.js';
import module from './wasm-full/asm_npm_bg.wasm';

initSync({ module });

export * from './workerd/api.js';
