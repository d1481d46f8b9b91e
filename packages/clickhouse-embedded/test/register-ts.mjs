// `node --import ./test/register-ts.mjs file.ts` runs this package's TypeScript sources in
// a plain Node 20 process (which cannot strip types), for tests that need a process of
// their own: the CLI, and a parent that gets SIGKILLed.
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
