import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../test/stack.js';

// Every curl example in docs/protocol.md is run as written, with bash and curl, against a real
// collector, and must get the status and body its "# → STATUS BODY" comment promises.

const run = promisify(execFile);
const DOC = new URL('../../../docs/protocol.md', import.meta.url);

interface Example {
  command: string;
  status: number;
  body: unknown;
}

async function examples(): Promise<Example[]> {
  const markdown = await readFile(DOC, 'utf8');
  const found: Example[] = [];
  for (const block of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    let command = '';
    for (const line of block[1]!.split('\n')) {
      const expected = /^# → (\d{3}) (.*)$/.exec(line);
      if (expected) {
        found.push({ command: command.trim(), status: Number(expected[1]), body: JSON.parse(expected[2]!) });
        command = '';
      } else command += `${line}\n`;
    }
  }
  return found;
}

let stack: TestStack;
let curlHome: string;

beforeAll(async () => {
  stack = await startStack({ SPUR_SITES: JSON.stringify([{ id: 'demo', origins: ['https://shop.example'], serverKey: 'demo-server-key-change-me-0001' }]) });
  // curl reads $CURL_HOME/.curlrc: print the status after the body without touching the examples.
  curlHome = await mkdtemp(join(tmpdir(), 'spur-curl-'));
  await writeFile(join(curlHome, '.curlrc'), '-w "\\n%{http_code}"\n');
});
afterAll(async () => {
  await stack?.stop();
  await rm(curlHome, { recursive: true, force: true });
});

describe('docs/protocol.md', () => {
  it('has examples for success, partial acceptance, gzip and the errors', async () => {
    const statuses = (await examples()).map((e) => e.status);
    expect(new Set(statuses)).toEqual(new Set([200, 400, 403, 415]));
    expect(statuses.length).toBeGreaterThanOrEqual(9);
  });

  it('every example gets the answer the documentation states', async () => {
    for (const example of await examples()) {
      const { stdout } = await run('bash', ['-c', example.command], { env: { ...process.env, SPUR: stack.collector.url, CURL_HOME: curlHome } });
      const cut = stdout.lastIndexOf('\n');
      const status = Number(stdout.slice(cut + 1));
      const body = JSON.parse(stdout.slice(0, cut));
      expect({ command: example.command.slice(0, 80), status, body }).toMatchObject({ command: example.command.slice(0, 80), status: example.status, body: example.body });
    }
  });
});
