/** Kept equal to package.json's version, and to the `sdk` string in tracker.ts, by src/size.test.ts. */
export const VERSION = '0.1.0';
