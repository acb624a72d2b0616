// Drives the transpiled component from Node: a session, events, a search, an error code.
// Usage: node smoke.mjs <migrations/d1/0001_create_asm_tables.sql> <jco output dir>
import { readFileSync } from 'node:fs';
import initSqlJs from 'sql.js';
import { setDatabase } from './executor.mjs';

const [migration, outDir] = process.argv.slice(2);
const SQL = await initSqlJs();
const db = new SQL.Database();
db.exec(readFileSync(migration, 'utf8'));
setDatabase(db);
const { sessionStore, queryApi } = await import(`${outDir}/asm.js`);

const now = BigInt(Date.now()) * 1000n;
const session = { id: 'ses_node_1', agentId: 'agent-1', status: 'active', parentSessionId: undefined,
  metadata: '{}', context: '{}', tags: ['node'], createdAt: now, updatedAt: now, deletedAt: undefined };
sessionStore.saveSession(session);
const event = (id) => ({ id, eventType: 'message_received', timestamp: now, sessionId: 'ses_node_1',
  runId: undefined, data: '{"text":"hi"}', metadata: '{}', sequenceNumber: undefined, schemaVersion: 1n,
  provider: undefined, correlationId: undefined });
const stored = sessionStore.appendEvents([event('evt_node_1'), event('evt_node_2')]);
const latest = sessionStore.getLatestSequence('ses_node_1');
const page = queryApi.searchSessions({ agentId: undefined, status: [], provider: [], tags: ['node'],
  createdAfter: undefined, createdBefore: undefined, includeDeleted: false, orderBy: 'updated-at-desc',
  limit: undefined, cursor: undefined });
let code = null;
try { sessionStore.getSession('ses_missing'); } catch (e) { code = e.payload.code; }

const ok = stored.map((e) => e.sequenceNumber).join(',') === '1,2' && latest === 2n
  && page.sessions.length === 1 && page.totalCount === 1n && code === 'session-not-found';
console.log(`node component: sequences ${stored.map((e) => e.sequenceNumber)}, latest ${latest}, `
  + `search ${page.sessions.length}, missing session -> ${code}: ${ok ? 'ok' : 'FAILED'}`);
process.exit(ok ? 0 : 1);
