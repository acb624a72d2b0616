// Shared by the Node suites and the Chromium page (no Node imports here).

/**
 * Cases that cannot apply through an API taking the wire form of entities, with why (the same
 * two as over HTTP; docs/compatibility.md). They are listed, not run.
 */
export const WIRE_NOT_APPLICABLE = new Map([
  [
    'sql_8_39_invalid_event_consumes_nothing',
    'an event with an empty id has no wire form: appendEvent parses with ASM\'s Event.from_map, which ' +
      'rejects it (validation_error "id cannot be empty") before the store\'s own check ("id can\'t be blank") ' +
      'can run; nothing is written either way',
  ],
  [
    'sql_8_45_append_events_invalid_element_writes_nothing',
    'as above for an empty session_id: Event.from_map answers "session_id cannot be empty" (same code, ' +
      'nothing written) where the store would say "session_id can\'t be blank"',
  ],
]);

