// Node entry: the WebAssembly is read from the package folder and compiled synchronously.
import { readFileSync } from 'node:fs';
import { initSync } from './wasm/asm_npm.js';

initSync({ module: readFileSync(new URL('./wasm/asm_npm_bg.wasm', import.meta.url)) });

export * from './api.js';
