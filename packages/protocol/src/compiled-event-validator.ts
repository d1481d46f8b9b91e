import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { z } from 'zod';
import { LIMITS as L } from './limits.js';
import { Event, isHttpUrl } from './schema.js';

// A fast path for validateEvent, compiled from the zod schema (the single source of truth) via
// zod's own JSON Schema export and ajv, which turns it into straight-line code: about 0.6 µs per
// event against zod's 4.6 µs on the bench's events. It only ever says "valid, and here is the
// normalised event"; anything it does not accept goes to zod, which then decides and words the
// errors. A test (compiled-event-validator.test.ts) holds the two to the same verdicts and the
// same output on valid, invalid and hostile events.
//
// What the JSON Schema export cannot carry is restored here:
// - zod strips unknown keys: for the normalising validator every object with fixed properties
//   gets additionalProperties: false, so ajv removes them (records keep theirs: they have a value
//   schema); the checking validator lets them pass, as zod does;
// - refinements: key counts are in the schema as maxProperties (`.meta` in schema.ts); the URL
//   check (isHttpUrl) runs after the compiled code. REFINEMENTS lists them, and a test fails when
//   the schema gains a refinement that is not in the list;
// - finite numbers: zod refuses Infinity (JSON `1e400` parses to it), so ajv's strictNumbers is on;
// - a `__proto__` key in a record: zod's output cannot hold it (assigning it sets a prototype),
//   so a record with one is left to zod.
// A type whose schema cannot be exported (a future transform, say) gets no fast path: zod alone.

/** The zod refinements this module restores, by message; see the test that guards the list. */
export const REFINEMENTS = ['must be an absolute http(s) URL', `at most ${L.maxProps} keys`, `at most ${L.maxAttrs} attributes`] as const;

type JsonSchema = { [key: string]: unknown };

/** Keywords that only check values: the normalising pass runs on checked events and skips them. */
const CHECK_ONLY = new Set(['pattern', 'format', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minItems', 'maxItems', 'maxProperties', 'propertyNames']);

/** The zod JSON Schema, adjusted as listed above; `strip`: for the normalising validator. */
function adjust(node: unknown, strip: boolean): unknown {
  if (Array.isArray(node)) return node.map((n) => adjust(n, strip));
  if (node === null || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node as JsonSchema)) {
    if (key === '$schema' || (strip && CHECK_ONLY.has(key))) continue;
    // Keys under `properties` are field names, not keywords; defaults are data.
    if (key === 'properties') out[key] = Object.fromEntries(Object.entries(value as JsonSchema).map(([k, v]) => [k, adjust(v, strip)]));
    else if (key === 'default' || key === 'const' || key === 'enum') out[key] = value;
    else if (key === 'propertyNames') out[key] = { allOf: [adjust(value, strip), { not: { const: '__proto__' } }] };
    else out[key] = adjust(value, strip);
  }
  // Unknown keys pass the check (zod ignores them) and are removed when normalising.
  if (strip && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

function createAjv(normalise: boolean): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: false,
    // The normalising pass fills in zod's defaults and drops unknown keys, as zod's output does.
    useDefaults: normalise,
    removeAdditional: normalise,
    // uuid and friends are checked by the patterns zod exports next to the format names.
    validateFormats: false,
    // zod's export carries keywords ajv's strict mode would question (format names, metadata).
    strict: false,
    // …but numbers must be finite, as zod requires: JSON `1e400` parses to Infinity.
    strictNumbers: true,
  });
  return ajv;
}

interface TypeValidators {
  /** Pure check: leaves the input untouched, so a refused event is kept and reported as sent. */
  check: ValidateFunction;
  /** Run on accepted events only: applies defaults, removes unknown keys. */
  normalise: ValidateFunction;
}

let byType: Map<string, TypeValidators> | undefined;

function validators(): Map<string, TypeValidators> {
  if (byType) return byType;
  const checker = createAjv(false);
  const normaliser = createAjv(true);
  byType = new Map();
  for (const option of Event.options) {
    let schema: JsonSchema;
    try {
      schema = z.toJSONSchema(option, { io: 'input' });
    } catch {
      continue; // not expressible as JSON Schema: zod validates this type alone
    }
    byType.set(option.shape.type.value, { check: checker.compile(adjust(schema, false) as JsonSchema), normalise: normaliser.compile(adjust(schema, true) as JsonSchema) });
  }
  return byType;
}

/**
 * Compiles the fast event validators now (otherwise the first validateEvent call does, about
 * 0.1–0.3 s): call it at start so the first request does not pay for it. Returns the event types
 * that have a compiled fast path (all of them, unless the schema changed; tested).
 */
export function prepareEventValidation(): string[] {
  return [...validators().keys()];
}

/** The event, normalised as zod would output it, if the compiled schema accepts it; else undefined. */
export function acceptEvent(input: unknown): Event | undefined {
  if (input === null || typeof input !== 'object') return undefined;
  const type = (input as { type?: unknown }).type;
  if (typeof type !== 'string') return undefined;
  const v = validators().get(type);
  if (!v || !v.check(input) || !isHttpUrl((input as { url: string }).url)) return undefined;
  v.normalise(input);
  return input as Event;
}
