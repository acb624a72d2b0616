// Event rows made into events in JavaScript, by the core's plan of an event row (which column
// becomes which member, by which rule): `getEvents` (api.js) runs its statement on the executor
// and builds the answer here, because carrying every row into the WebAssembly and the events
// back out as JSON cost more than the SQL. The rules accept only the cells whose answer is
// certain; a row with any other cell goes to the core's own decoder, so both answer alike.
import { decodeEventRows, eventRowPlan } from './wasm/asm_npm.js';
import { answersForWasm } from './executors/wire.js';

let plan;

/** The core's plan, read once: `[{ key, column, rule, default? }]` and the event type names. */
function rowPlan() {
  if (!plan) {
    const { fields, event_types: types } = eventRowPlan();
    plan = { fields, types: new Set(types) };
  }
  return plan;
}

/** Marks a cell the rules do not cover. */
const OUTSIDE = Symbol('outside the plan');

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// JSON whose JavaScript reading may differ from serde_json's: an integer `-0` (serde_json reads
// 0), a surrogate escape (serde_json refuses a lone one), an exponent of three digits (serde_json
// refuses what overflows). Such text goes to the core, even where the two would agree.
const UNCERTAIN_JSON = /-0(?![\d.eE])|\\u[dD][89a-fA-F]|[eE][+-]?\d{3}/;

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** `YYYY-MM-DDTHH:MM:SS.ffffff` with an optional `Z`, a real date and time, answered with the `Z`. */
function timestamp(cell) {
  if (typeof cell !== 'string' || (cell.length !== 26 && cell.length !== 27)) return OUTSIDE;
  if (cell.length === 27 && cell.charCodeAt(26) !== 90 /* Z */) return OUTSIDE;
  const digits = (from, to) => {
    let n = 0;
    for (let i = from; i < to; i++) {
      const d = cell.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return -1;
      n = n * 10 + d;
    }
    return n;
  };
  if (cell[4] !== '-' || cell[7] !== '-' || cell[10] !== 'T' || cell[13] !== ':' || cell[16] !== ':' || cell[19] !== '.') {
    return OUTSIDE;
  }
  const year = digits(0, 4);
  const month = digits(5, 7);
  const day = digits(8, 10);
  if (year < 0 || month < 1 || month > 12 || day < 1) return OUTSIDE;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS[month - 1])) return OUTSIDE;
  const hour = digits(11, 13);
  const minute = digits(14, 16);
  const second = digits(17, 19);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || digits(20, 26) < 0) {
    return OUTSIDE;
  }
  return cell.length === 27 ? cell : cell + 'Z';
}

/** A whole number JavaScript holds exactly: a number, a bigint or decimal text. */
function integer(cell) {
  switch (typeof cell) {
    case 'number':
      return Number.isSafeInteger(cell) ? cell + 0 : OUTSIDE;
    case 'bigint':
      return cell <= MAX_SAFE && cell >= -MAX_SAFE ? Number(cell) : OUTSIDE;
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
  if (cell === null || cell === undefined) return {};
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

/** One cell by one field's rule, or `OUTSIDE`. */
function byRule(field, cell, types) {
  switch (field.rule) {
    case 'text':
      return typeof cell === 'string' ? cell : OUTSIDE;
    case 'opt_text':
      return cell === null || cell === undefined ? null : typeof cell === 'string' ? cell : OUTSIDE;
    case 'event_type':
      return types.has(cell) ? cell : OUTSIDE;
    case 'timestamp':
      return timestamp(cell);
    case 'int':
      return cell === null || cell === undefined ? OUTSIDE : integer(cell);
    case 'int_or':
      return cell === null || cell === undefined ? field.default : integer(cell);
    case 'map':
      return jsonObject(cell);
    default:
      return OUTSIDE;
  }
}

/** The events of `rows` by the plan, or `undefined` when a cell is outside its rules. */
export function eventsOfRows(rows) {
  const { fields, types } = rowPlan();
  const events = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (!Array.isArray(row)) return undefined;
    const event = {};
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f];
      const value = byRule(field, row[field.column], types);
      if (value === OUTSIDE) return undefined;
      event[field.key] = value;
    }
    events[r] = event;
  }
  return events;
}

/** The core's decoding of `rows` (the reference `eventsOfRows` answers as). */
export function coreEventsOfRows(rows) {
  return decodeEventRows(answersForWasm([{ rows, changes: 0 }]));
}
