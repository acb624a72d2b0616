// Node entry: the first WebAssembly module is read from the package folder and compiled
// synchronously; the full one (full.js) the same way on first use.
import { readFileSync } from 'node:fs';
import { initSync } from './wasm/asm_npm.js';
import { useFullModule } from './full.js';

initSync({ module: readFileSync(new URL('./wasm/asm_npm_bg.wasm', import.meta.url)) });
useFullModule(async () => {
  const full = await import('./wasm-full/asm_npm.js');
  full.initSync({ module: readFileSync(new URL('./wasm-full/asm_npm_bg.wasm', import.meta.url)) });
  return full;
});

export * from './api.js';
