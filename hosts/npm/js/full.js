// The package's second WebAssembly module: the whole store (reports, maintenance, artifacts),
// loaded on the first call of a method the first module leaves out, so that opening a store,
// writing and reading events and following a tail load only the small first module. The Node
// and browser entry points say how to load it (node.js reads the file, browser.js fetches it);
// api.js asks for it. The Workers entry (workerd.js) loads the full module alone instead.

let load;
let loaded;

/** Called once by the entry point: `loader()` initialises the full module and answers its glue. */
export function useFullModule(loader) {
  load = loader;
}

/**
 * The full module's wasm-bindgen glue, loaded once. A failed load is not kept, so the next call
 * tries again (a browser that was offline for a moment).
 */
export function fullModule() {
  loaded ??= load().catch((error) => {
    loaded = undefined;
    throw error;
  });
  return loaded;
}
