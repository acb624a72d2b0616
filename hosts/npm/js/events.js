// Event rows made into events in JavaScript, by the core's plan of an event row (which column
// becomes which member, by which rule): `getEvents` (api.js) runs its statement on the executor
// and builds the answer here, because carrying every row into the WebAssembly and the events
// back out as JSON cost more than the SQL. The rules accept only the cells whose answer is
// certain; a row with any other cell goes to the core's own decoder, so both answer alike.
import { decodeEventRows, eventRowPlan } from './wasm/asm_npm.js';
import { answersForWasm } from './executors/wire.js';

let plan;

/**
 * The core's plan, read once, as parallel arrays (member, column, rule, default): one loop with
 * a `switch` per cell, which V8 runs faster than a call to a rule function per cell.
 */
function rowPlan() {
  if (!plan) {
    const { fields, event_types: types } = eventRowPlan();
    const keys = fields.map((f) => f.key);
    const rules = fields.map((f) => RULES.indexOf(f.rule));
    plan = {
      keys,
      columns: fields.map((f) => f.column),
      rules,
      defaults: fields.map((f) => f.default),
      types: new Set(types),
      literal: keys.map((k, f) => `${k}:${RULES[rules[f]]}`).join() === LITERAL,
    };
  }
  return plan;
}

// The plan as `eventOfRow` builds it, member by member in the core's order.
const LITERAL = 'correlation_id:opt_text,data:map,id:text,metadata:map,provider:opt_text,run_id:opt_text,'
  + 'schema_version:int_or,sequence_number:int,session_id:session_id,timestamp:timestamp,type:event_type';

// The rules this file knows, by their index in `rowPlan().rules`; a rule it does not know (a
// newer core) is -1, and every row then goes to the core. `session_id` is not a cell: the id
// of the session read.
const RULES = ['text', 'opt_text', 'event_type', 'timestamp', 'int', 'int_or', 'map', 'session_id'];
const [TEXT, OPT_TEXT, EVENT_TYPE, TIMESTAMP, INT, INT_OR, MAP, SESSION_ID] = RULES.keys();

/** Marks a cell the rules do not cover. */
const OUTSIDE = Symbol('outside the plan');

// JSON whose JavaScript reading may differ from serde_json's: an integer `-0` (serde_json reads
// 0), a surrogate escape (serde_json refuses a lone one), an exponent of three digits (serde_json
// refuses what overflows). Such text goes to the core, even where the two would agree.
const UNCERTAIN_JSON = /-0(?![\d.eE])|\\u[dD][89a-fA-F]|[eE][+-]?\d{3}/;

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const COLUMN_FORM = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z?$/;

/** The two-digit number at `at` of a string of digits. */
const two = (text, at) => (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;

/** `YYYY-MM-DDTHH:MM:SS.ffffff` with an optional `Z`, a real date and time, answered with the `Z`. */
function timestamp(cell) {
  if (typeof cell !== 'string' || !COLUMN_FORM.test(cell)) return OUTSIDE;
  const year = two(cell, 0) * 100 + two(cell, 2);
  const month = two(cell, 5);
  const day = two(cell, 8);
  if (month < 1 || month > 12 || day < 1 || two(cell, 11) > 23 || two(cell, 14) > 59 || two(cell, 17) > 59) {
    return OUTSIDE;
  }
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS[month - 1])) return OUTSIDE;
  return cell.length === 27 ? cell : cell + 'Z';
}

/** A whole number JavaScript holds exactly: a number, a bigint or decimal text. */
function integer(cell) {
  switch (typeof cell) {
    case 'number':
      return Number.isSafeInteger(cell) ? cell + 0 : OUTSIDE;
    case 'bigint': {
      // Every bigint beyond 2^53 - 1 converts to at least 2^53, which is not safe.
      const n = Number(cell);
      return Number.isSafeInteger(n) ? n : OUTSIDE;
    }
    case 'string': {
      if (!/^-?\d{1,15}$/.test(cell)) return OUTSIDE;
      return Number(cell) + 0;
    }
    default:
      return OUTSIDE;
  }
}

/** A JSON object as text (NULL and JSON `null` are `{}`). */
function jsonObject(cell) {
  // Most metadata is stored empty: `{}` needs neither the check nor the parser.
  if (cell === null || cell === undefined || cell === '{}') return {};
  if (typeof cell !== 'string' || UNCERTAIN_JSON.test(cell)) return OUTSIDE;
  let value;
  try {
    value = JSON.parse(cell);
  } catch {
    return OUTSIDE;
  }
  if (value === null) return {};
  return typeof value === 'object' && !Array.isArray(value) ? value : OUTSIDE;
}

/** Text, as it is. */
const text = (cell) => (typeof cell === 'string' ? cell : OUTSIDE);

/** Text, or NULL as `null`. */
const optText = (cell) => (cell === null || cell === undefined ? null : text(cell));

/** An integer, or NULL as `fallback`. */
const integerOr = (cell, fallback) => (cell === null || cell === undefined ? fallback : integer(cell));

/**
 * The member a cell becomes under `rule` (`fallback` for an absent `int_or`, `sessionId` for the
 * member that is not a cell), or `OUTSIDE`.
 */
function member(rule, cell, fallback, types, sessionId) {
  switch (rule) {
    case SESSION_ID:
      return sessionId;
    case TEXT:
      return text(cell);
    case OPT_TEXT:
      return optText(cell);
    case EVENT_TYPE:
      return types.has(cell) ? cell : OUTSIDE;
    case TIMESTAMP:
      return timestamp(cell);
    case INT:
      return integerOr(cell, OUTSIDE);
    case INT_OR:
      return integerOr(cell, fallback);
    case MAP:
      return jsonObject(cell);
    default:
      return OUTSIDE;
  }
}

/**
 * One event of `row` when the plan is the one `LITERAL` names, or `OUTSIDE`: one object literal,
 * so V8 gives every event its final shape at once (twice as fast as adding members one by one).
 */
function eventOfRow(row, columns, defaults, types, sessionId) {
  const correlationId = optText(row[columns[0]]);
  const data = jsonObject(row[columns[1]]);
  const id = text(row[columns[2]]);
  const metadata = jsonObject(row[columns[3]]);
  const provider = optText(row[columns[4]]);
  const runId = optText(row[columns[5]]);
  const schemaVersion = integerOr(row[columns[6]], defaults[6]);
  const sequenceNumber = integerOr(row[columns[7]], OUTSIDE);
  const at = timestamp(row[columns[9]]);
  const type = types.has(row[columns[10]]) ? row[columns[10]] : OUTSIDE;
  if (correlationId === OUTSIDE || data === OUTSIDE || id === OUTSIDE || metadata === OUTSIDE
    || provider === OUTSIDE || runId === OUTSIDE || schemaVersion === OUTSIDE || sequenceNumber === OUTSIDE
    || at === OUTSIDE || type === OUTSIDE) {
    return OUTSIDE;
  }
  return {
    correlation_id: correlationId,
    data,
    id,
    metadata,
    provider,
    run_id: runId,
    schema_version: schemaVersion,
    sequence_number: sequenceNumber,
    session_id: sessionId,
    timestamp: at,
    type,
  };
}

/**
 * The events of `rows`, the session `sessionId`'s, by the plan, or `undefined` when a cell is
 * outside its rules or the rows are not in ascending sequence order (as `getEvents` reads them).
 */
export function eventsOfRows(rows, sessionId) {
  if (typeof sessionId !== 'string') return undefined;
  const { keys, columns, rules, defaults, types, literal } = rowPlan();
  const width = keys.length;
  const events = new Array(rows.length);
  let last = -Infinity;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (!Array.isArray(row)) return undefined;
    let event;
    if (literal) {
      event = eventOfRow(row, columns, defaults, types, sessionId);
      if (event === OUTSIDE) return undefined;
    } else {
      event = {};
      for (let f = 0; f < width; f++) {
        const value = member(rules[f], row[columns[f]], defaults[f], types, sessionId);
        if (value === OUTSIDE) return undefined;
        event[keys[f]] = value;
      }
    }
    if (!(event.sequence_number > last)) return undefined;
    last = event.sequence_number;
    events[r] = event;
  }
  return events;
}

/** The core's decoding of `rows` of `sessionId` (the reference `eventsOfRows` answers as). */
export function coreEventsOfRows(rows, sessionId) {
  return decodeEventRows(answersForWasm([{ rows, changes: 0 }]), sessionId);
}
