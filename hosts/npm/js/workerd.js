// Cloudflare Workers entry: wrangler bundles both .wasm imports as compiled modules (a Worker
// may not compile WebAssembly at run time); the full one is instantiated on first use.
import { initSync } from './wasm/asm_npm.js';
import module from './wasm/asm_npm_bg.wasm';
import * as full from './wasm-full/asm_npm.js';
import fullWasm from './wasm-full/asm_npm_bg.wasm';
import { useFullModule } from './full.js';

initSync({ module });
useFullModule(async () => {
  full.initSync({ module: fullWasm });
  return full;
});

export * from './api.js';
