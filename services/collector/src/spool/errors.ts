/** The record would push unshipped bytes past `maxBytes`. Nothing was written; retry later. */
export class SpoolFullError extends Error {
  override readonly name = 'SpoolFullError';
}

/** The spool is closed (or closing); the record was not accepted. */
export class SpoolClosedError extends Error {
  override readonly name = 'SpoolClosedError';
  constructor() {
    super('spool is closed');
  }
}

/** Writing or fsyncing the group holding this record failed (EIO, ENOSPC, ...); it is not in the log. */
export class SpoolWriteError extends Error {
  override readonly name = 'SpoolWriteError';
}
