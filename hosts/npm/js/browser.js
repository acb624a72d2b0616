// Browser entry: the WebAssembly is fetched next to this file (top-level await).
import init from './wasm/asm_npm.js';

await init({ module_or_path: new URL('./wasm/asm_npm_bg.wasm', import.meta.url) });

export * from './api.js';
