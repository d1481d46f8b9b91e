import type { ErrorCode } from './limits.js';
import type { FieldError } from './validate.js';

/** `200` body of `POST /v1/batch`: how many events were kept, and why the others were not. */
export interface BatchResponse {
  accepted: number;
  rejected: RejectedEvent[];
}

export interface RejectedEvent {
  /** Position of the event in the batch's `events` array. */
  index: number;
  errors: FieldError[];
}

/** Body of every non-200 answer. */
export interface ErrorResponse {
  code: ErrorCode;
  message: string;
  /** Field errors, for `invalid_envelope`. */
  errors?: FieldError[];
}
