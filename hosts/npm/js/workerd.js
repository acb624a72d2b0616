// Cloudflare Workers entry: wrangler bundles the .wasm import as a compiled module.
import { initSync } from './wasm/asm_npm.js';
import module from './wasm/asm_npm_bg.wasm';

initSync({ module });

export * from './api.js';
