import { ERROR_CODES, type ErrorCode, type ErrorResponse, type FieldError } from '@spur/protocol';

/** An answer other than 200, with the protocol's machine code and a sentence for people. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'HttpError';
  }

  body(): ErrorResponse {
    return this.errors ? { code: this.code, message: this.message, errors: this.errors } : { code: this.code, message: this.message };
  }
}

export const overloaded = (retryAfterSeconds: number, why: string) =>
  new HttpError(503, ERROR_CODES.overloaded, `${why}; retry after ${retryAfterSeconds} s`, undefined, {
    'retry-after': String(retryAfterSeconds),
  });
