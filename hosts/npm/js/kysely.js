// `asm-edge/kysely` is types only (kysely.d.ts: the `Database` interfaces for `new Kysely<…>()`);
// this empty module lets a plain `import` of the subpath resolve at run time too.
export {};
