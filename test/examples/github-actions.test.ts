// examples/github-actions.yml stays in step with the CLI: every tcplab command in it parses
// (flags, reporters, report files) as the CLI would parse it.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/cli/args.js';
import { ROOT } from '../helpers.js';

const workflow = readFileSync(path.join(ROOT, 'examples', 'github-actions.yml'), 'utf8');
const commands = [...workflow.matchAll(/tcplab (run [^\n]+)/g)].map((m) => m[1]!.split(/\s+/));

describe('examples/github-actions.yml', () => {
  it('runs the labs as the runner user and as root, and uploads every report', () => {
    expect(commands).toHaveLength(2);
    expect(workflow).toMatch(/\n\s+run: sudo [^\n]*tcplab run --all/);
    expect(workflow).toContain('uses: actions/upload-artifact@v4');
    expect(workflow).toContain('apparmor_restrict_unprivileged_userns');
  });

  it('runs on every Node version tcplab supports', () => {
    expect(workflow).toMatch(/\n\s+node: \[20, 22, 24, 26\]\n/);
    expect(workflow).toContain('node-version: ${{ matrix.node }}');
    expect(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).engines.node).toBe('>=20.19');
  });

  for (const argv of commands) {
    it(`parses: tcplab ${argv.join(' ')}`, () => {
      const cmd = parseCommand(argv);
      expect(cmd.kind).toBe('run');
      if (cmd.kind !== 'run') return;
      expect(cmd.reporters.map((r) => r.name)).toEqual(['human', 'github', 'junit', 'json']);
      expect(cmd.htmlFile).toMatch(/^tcplab-(user|root)\.html$/);
    });
  }
});
