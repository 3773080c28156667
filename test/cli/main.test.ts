// The CLI as a user runs it: a child process, what it prints, its exit code.

import { describe, expect, it } from 'vitest';
import { isRoot, tcplab } from '../helpers.js';

describe('tcplab CLI', () => {
  it('lists the built-in labs, one line each', async () => {
    const r = await tcplab(['list']);
    expect(r.code).toBe(0);
    const names = r.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0]);
    expect(names).toEqual(expect.arrayContaining(['handshake', 'refused', 'active-close', 'half-close', 'close-wait-leak', 'reset']));
  });

  it('prints --version and --help', async () => {
    expect((await tcplab(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await tcplab(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('tcplab run');
  });

  const badInputs: [string, string[], RegExp][] = [
    ['unknown lab', ['run', 'no-such-lab'], /^tcplab: unknown lab `no-such-lab`.*tcplab list/],
    ['missing file', ['run', './nowhere.lab.ts'], /^tcplab: lab file not found: \.\/nowhere\.lab\.ts/],
    ['file that does not parse', ['run', 'test/fixtures/labs/broken.lab.ts'], /^tcplab: test\/fixtures\/labs\/broken\.lab\.ts does not parse: /],
    ['file without a lab export', ['run', 'test/fixtures/labs/no-export.lab.ts'], /has no lab as its default export/],
    ['unknown command', ['frobnicate'], /^tcplab: unknown command `frobnicate`/],
    ['unknown flag', ['run', '--all', '--frob'], /^tcplab: unknown flag --frob; see `tcplab --help`/],
    ['bad observer name', ['run', '--all', '--observer', 'tcpdump'], /^tcplab: unknown observer `tcpdump`; expected one of auto, proc, ss, netstat, trace/],
    ['bad family', ['run', '--all', '--family', '5'], /^tcplab: unknown family `5`/],
    ['bad timeout', ['run', '--all', '--timeout=-1'], /^tcplab: expected `--timeout` to be a positive number/],
    ['flag value that looks like a flag', ['run', '--all', '--timeout', '-1'], /^tcplab: a value of --timeout that starts with '-' must be written --timeout=VALUE/],
    ['no command', [], /^tcplab: no command given/],
    ['run without labs', ['run'], /^tcplab: `run` needs lab names or files, or --all/],
    ['unknown reporter', ['run', '--all', '--reporter', 'tap'], /^tcplab: unknown reporter `tap`; expected human, json, junit or github/],
    ['two reports on stdout', ['run', '--all', '--json', '--reporter', 'junit'], /^tcplab: only one report can go to standard output, got junit and json; send the others to files/],
    ['a report into a missing folder', ['run', '--all', '--reporter', 'junit:no/such/dir/out.xml'], /^tcplab: --reporter junit: folder no\/such\/dir does not exist/],
    ['an HTML report into a missing folder', ['run', '--all', '--report', 'nowhere/out.html'], /^tcplab: --report: folder nowhere does not exist/],
  ];
  for (const [what, args, message] of badInputs) {
    it(`rejects ${what} with one line and exit 2`, async () => {
      const r = await tcplab(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    });
  }

  it('says which package to install when the observer\'s tool is missing', async () => {
    const r = await tcplab(['run', 'handshake', '--observer', 'ss'], { env: { ...process.env, PATH: '/nonexistent' } });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('tcplab: the ss observer needs `ss`, which is not on PATH; install it (apt-get install iproute2) or use --observer proc');
    const n = await tcplab(['run', 'handshake', '--observer', 'netstat'], { env: { ...process.env, PATH: '/nonexistent' } });
    expect(n.code).toBe(2);
    expect(n.stderr).toContain('apt-get install net-tools');
  });

  it('points a false expectation at its file and line, packetdrill-style', async () => {
    const r = await tcplab(['run', 'test/fixtures/labs/wrong.lab.ts', '--observer', 'proc']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^test\/fixtures\/labs\/wrong\.lab\.ts:12: expected server 127\.0\.0\.1:\d+<-127\.0\.0\.1:\d+ to reach CLOSE_WAIT within 200 ms; observed ESTABLISHED from [\d.]+ to [\d.]+ ms \(proc, every [\d.]+ ms\)$/m,
    );
  });

  it('says why the trace observer cannot run as an ordinary user, with exit 2', async () => {
    if (!isRoot()) return;
    const r = await tcplab(['run', 'handshake', '--observer', 'trace'], { user: 'nobody' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('tcplab: the trace observer needs root (tracefs); run with sudo, or use --observer proc');
  });

  it('falls back to proc by default as an ordinary user, and says so in the report', async () => {
    if (!isRoot()) return;
    const r = await tcplab(['run', 'handshake', '--json'], { user: 'nobody' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).labs[0]).toMatchObject({ status: 'passed', observer: 'proc' });
  });

  it('points a runtime error at the line that threw', async () => {
    const r = await tcplab(['run', 'test/fixtures/labs/throws.lab.ts', '--json']);
    expect(r.code).toBe(1);
    const lab = JSON.parse(r.stdout).labs[0];
    expect(lab.status).toBe('failed');
    expect(lab.failure).toMatch(/^test\/fixtures\/labs\/throws\.lab\.ts:9: runtime error: boom on port \d+$/);
  });

  it('prints one JSON document with the contract fields for --json', async () => {
    const r = await tcplab(['run', 'handshake', 'half-close', 'active-close', 'reset', 'refused', 'close-wait-leak', '--json']);
    const doc = JSON.parse(r.stdout);
    expect(doc.labs.filter((l: { status: string }) => l.status !== 'passed').map((l: { failure?: string }) => l.failure)).toEqual([]);
    expect(r.code).toBe(0);
    expect(doc.labs.length).toBe(6);
    for (const lab of doc.labs) {
      // The default observer: the kernel's trace where this process may trace (root), proc elsewhere.
      expect(lab).toMatchObject({ status: 'passed', observer: isRoot() ? 'trace' : 'proc', periodMs: 1 });
      expect(typeof lab.durationMs).toBe('number');
      expect(lab.file).toMatch(/^lab\/\w+\/[\w-]+\.lab\.ts$/);
      for (const s of lab.sockets) {
        expect(s.local).toMatch(/^(\d+\.\d+\.\d+\.\d+|\[[0-9a-f:.]+\]):\d+$/);
        for (const st of s.states) expect(st.atMs).toBeLessThanOrEqual(st.untilMs);
      }
      for (const e of lab.events) expect(typeof e.atMs).toBe('number');
      for (const x of lab.expectations) expect(x).toMatchObject({ ok: true, where: expect.stringMatching(/\.lab\.ts:\d+$/) });
    }
  });
});
