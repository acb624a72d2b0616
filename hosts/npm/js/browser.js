// Browser entry: the first WebAssembly module is fetched next to this file (top-level await);
// the full one (full.js) is fetched from beside it on first use.
import init from './wasm/asm_npm.js';
import { useFullModule } from './full.js';

await init({ module_or_path: new URL('./wasm/asm_npm_bg.wasm', import.meta.url) });
useFullModule(async () => {
  const full = await import('./wasm-full/asm_npm.js');
  await full.default({ module_or_path: new URL('./wasm-full/asm_npm_bg.wasm', import.meta.url) });
  return full;
});

export * from './api.js';
