import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('.ci/run', () => {
  it('runs the README\'s test command, word for word', () => {
    // The first line of the ```sh block after "To run every test" in the README.
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf('To run every test'));
    const command = /```sh\n(.+)\n/.exec(section)?.[1];
    expect(command).toMatch(/ test$/);
    const ciLines = read('.ci/run').split('\n');
    expect(ciLines).toContain(command);
    expect(ciLines.at(-2)).toBe(command); // the last thing it does
    expect(ciLines.at(-3)).toContain(`echo '+ ${command}`); // and CI's log shows it whole first
  });
});
