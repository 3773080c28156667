// The example project under examples/close-wait-leak, run as its users run it: its own vitest,
// `tcplab` installed from this checkout (as `npm install` of `file:../..` links it). The fixed
// server passes; the leaky one fails at the assertion's line, as root (trace) and as nobody (proc).

import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, isRoot, processesMatching, readableRoot, ROOT } from '../helpers.js';

const EXAMPLE = path.join(ROOT, 'examples', 'close-wait-leak');
const made: string[] = [];

/** A copy of the example with node_modules linking tcplab and vitest, readable by `user`. */
function install(user?: string): string {
  const root = user ? readableRoot(user) : ROOT;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tcplab-example-'));
  made.push(dir);
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('node_modules') });
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(root, path.join(dir, 'node_modules', 'tcplab'));
  symlinkSync(path.join(root, 'node_modules', 'vitest'), path.join(dir, 'node_modules', 'vitest'));
  spawnSync('chmod', ['-R', 'a+rwX', dir]);
  return dir;
}

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[];
}

/** Runs the example's tests (`SERVER=leaky` or fixed) and returns vitest's JSON report. */
function runExample(dir: string, server: 'leaky' | 'fixed', user?: string): Promise<{ code: number | null; report: VitestJson; stderr: string }> {
  // The outer vitest's own variables would confuse the inner one.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS'));
  const argv = [path.join(dir, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=json', `--outputFile=${path.join(dir, 'report.json')}`];
  const [cmd, args] = user ? ['runuser', ['-u', user, '--', process.execPath, ...argv]] : [process.execPath, argv];
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: dir, env: { ...env, SERVER: server, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    child.on('close', (code) => resolve({ code, stderr, report: JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as VitestJson }));
  });
}

/** The lines of the leak assertions in the example's test file (the last one is in the upload test, which passes). */
const LEAK_LINES = readFileSync(path.join(EXAMPLE, 'server.test.js'), 'utf8').split('\n').flatMap((l, i) => (l.includes("not.toHaveSocketIn('CLOSE_WAIT', { after: 1000 })") ? [i + 1] : []));

const users = [{ user: undefined, observer: isRoot() ? 'trace' : 'proc every 5 ms' }, ...(isRoot() ? [{ user: 'nobody', observer: 'proc every 5 ms' }] : [])];

for (const { user, observer } of users) {
  describe(`examples/close-wait-leak as ${user ?? 'this user'} (${observer})`, () => {
    it('passes against the fixed server', async () => {
      const r = await runExample(install(user), 'fixed', user);
      expect(r.report.numFailedTests, r.stderr).toBe(0);
      expect(r.report.numPassedTests).toBe(3);
      expect(r.code).toBe(0);
    });

    it('fails against the leaky server, at the assertion\'s line, with what it observed', async () => {
      const r = await runExample(install(user), 'leaky', user);
      expect(r.code).toBe(1);
      const results = r.report.testResults.flatMap((f) => f.assertionResults);
      const failed = results.filter((a) => a.status === 'failed');
      expect(failed.map((a) => a.title)).toEqual(['a bad request leaves no connection in CLOSE_WAIT', 'a bad request leaves no connection in CLOSE_WAIT, asserted the moment our FIN is sent']);
      failed.forEach((a, i) => expect(a.failureMessages[0]).toMatch(new RegExp(
        `^Error: server\\.test\\.js:${LEAK_LINES[i]}: expected no socket of port \\d+ to stay in CLOSE_WAIT for 1000 ms; ` +
        `observed server 127\\.0\\.0\\.1:\\d+<-127\\.0\\.0\\.1:\\d+: .*CLOSE_WAIT [\\d.]+-now \\([\\d.]+\\): [\\d.]+ ms in CLOSE_WAIT \\(${observer.replace(/ /g, ' ')}\\)`,
      )));
    });
  });
}

afterAll(async () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  // The examples' observations stopped with their tests: no trace child is left.
  expect(await eventually(() => processesMatching('watch --port').length === 0, 5000)).toBe(true);
});
