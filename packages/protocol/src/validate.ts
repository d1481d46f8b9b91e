import type { z } from 'zod';
import { acceptEvent } from './compiled-event-validator.js';
import { BatchEnvelope, Event } from './schema.js';

export { prepareEventValidation } from './compiled-event-validator.js';

/** One problem with one field, e.g. `{ path: "items.0.price", message: "expected number" }`. */
export interface FieldError {
  path: string;
  message: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** Checks the envelope only; `events` stays a list of unchecked values. */
export function validateEnvelope(input: unknown): Validated<BatchEnvelope> {
  return toValidated(BatchEnvelope.safeParse(input));
}

/**
 * Checks one event; errors name the field inside the event. Valid events take the compiled fast
 * path (same verdict and output as the zod schema, several times faster); zod decides the rest
 * and words their errors. An accepted event is the input itself, normalised in place (defaults
 * filled in, unknown keys removed): pass a value you own, such as freshly parsed JSON. A refused
 * event is left as it was.
 */
export function validateEvent(input: unknown): Validated<Event> {
  const accepted = acceptEvent(input);
  if (accepted) return { ok: true, value: accepted };
  return toValidated(Event.safeParse(input));
}

/** Zod's issues as short, stable `{ path, message }` pairs for API responses. */
export function fieldErrors(error: z.core.$ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

function toValidated<T>(result: z.ZodSafeParseResult<T>): Validated<T> {
  return result.success ? { ok: true, value: result.data } : { ok: false, errors: fieldErrors(result.error) };
}
