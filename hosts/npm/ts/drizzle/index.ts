// Both dialects' Drizzle tables under one import (`import { sqlite, pg } from 'asm-edge/drizzle'`);
// `asm-edge/drizzle/sqlite` and `asm-edge/drizzle/pg` give one dialect, as a `schema` module.

export * as sqlite from './sqlite.js';
export * as pg from './pg.js';
