// The package as users get it: `npm pack`, installed into a fresh project outside this checkout
// as npm installs it, and used there: the tour, a lab of the project's own in TypeScript and in
// JavaScript, a vitest test with tcplab/vitest against the project's server, and tsc on the lab
// against the shipped types. The install itself prints no warning and pulls no esbuild.

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tcplab-package-'));
const project = path.join(dir, 'my-service');
/** Node strips types itself from 22.18 on; before, the project needs tsx for a .ts lab. */
const nativeTypes = Boolean((process.features as { typescript?: unknown }).typescript);
const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && !k.startsWith('npm_')));
// npm, npx and the `tcplab` bin run on the Node that runs this suite.
const env = { ...inherited, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}` };

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sh(cmd: string, args: string[], cwd = project): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const LAB_TS = `// A lab of the project's own, in TypeScript, against the installed package.
import { lab, type LabSocket } from 'tcplab';

export default lab('my-half-close', { explain: 'The client half-closes; the server keeps talking.' }, async ({ listen, connect, expect }) => {
  const listener = await listen({ allowHalfOpen: true });
  const client: LabSocket = await connect(listener, { allowHalfOpen: true });
  const server = await listener.accepted();
  client.end();
  await expect(server).toReach('CLOSE_WAIT', { within: 500 });
  await server.write('still talking');
  await expect(client).toReceive('still talking');
});
`;
const LAB_JS = LAB_TS.replace(', type LabSocket', '').replace('const client: LabSocket =', 'const client =').replace('in TypeScript', 'in JavaScript').replace("'my-half-close'", "'my-half-close-js'");

const SERVER = `import net from 'node:net';
/** Answers each request and closes its end after the client's. */
export function createServer() {
  return net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('end', () => s.end('bye\\n'));
    s.resume();
  });
}
`;
const SERVER_TEST = `import net from 'node:net';
import { expect, test } from 'vitest';
import { observe } from 'tcplab/vitest';
import { createServer } from './server.js';

test('no connection of the server stays in CLOSE_WAIT', async () => {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  const obs = await observe({ port });
  const c = net.connect(port, '127.0.0.1');
  c.resume();
  await new Promise((resolve) => c.on('connect', resolve));
  await new Promise((resolve) => c.end(resolve));
  await expect(obs).not.toHaveSocketIn('CLOSE_WAIT', { after: 300 });
  await expect(obs).toHaveSocketIn('TIME_WAIT', { within: 1000 });
  c.destroy();
  await new Promise((resolve) => server.close(resolve));
});
`;

let pack: { filename: string; size: number; files: { path: string }[] };
let install: Ran;

beforeAll(async () => {
  const packed = await sh('npm', ['pack', ROOT, '--ignore-scripts', '--json', '--pack-destination', dir], dir);
  expect(packed.code, packed.stderr).toBe(0);
  pack = (JSON.parse(packed.stdout) as typeof pack[])[0]!;
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'my-service', private: true, type: 'module' }, null, 2));
  install = await sh('npm', ['install', path.join(dir, pack.filename), '--no-audit', '--no-fund', '--prefer-offline']);
  for (const [name, file] of [['my.lab.ts', LAB_TS], ['my.lab.js', LAB_JS], ['server.js', SERVER], ['server.test.js', SERVER_TEST]]) writeFileSync(path.join(project, name!), file!);
  writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', noEmit: true, skipLibCheck: true, types: [] },
    files: ['my.lab.ts'],
  }));
  // The project's own dev tools, as it would have them (this checkout's copies, not downloaded again).
  for (const tool of ['vitest', 'typescript', ...(nativeTypes ? [] : ['tsx'])]) symlinkSync(path.join(ROOT, 'node_modules', tool), path.join(project, 'node_modules', tool));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tcplab installed from its npm pack tarball', () => {
  it('ships dist, the labs, the README and nothing else', () => {
    const top = new Set(pack.files.map((f) => f.path.split('/')[0]));
    expect([...top].sort()).toEqual(['README.md', 'dist', 'lab', 'package.json']);
    expect(pack.files.some((f) => f.path.startsWith('dist/lab-js/'))).toBe(true);
    expect(pack.size).toBeLessThan(1024 * 1024);
  });

  it('installs without a warning and without esbuild', () => {
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr + install.stdout).not.toMatch(/warn/i);
    expect(spawnSync('test', ['-e', path.join(project, 'node_modules', 'esbuild')]).status).not.toBe(0);
  });

  it('npx tcplab tour shows the eleven states', async () => {
    const r = await sh('npx', ['tcplab', 'tour']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/11 of 11 states observed/);
  });

  it(`runs the project's labs in TypeScript (${nativeTypes ? "Node's type stripping" : 'tsx, on this Node'}) and JavaScript`, async () => {
    const r = await sh('npx', ['tcplab', 'run', './my.lab.ts', './my.lab.js']);
    expect(r.stderr).not.toMatch(/Warning|Error/);
    expect(r.stdout).toMatch(/^PASS my-half-close {2}my\.lab\.ts/m);
    expect(r.stdout).toMatch(/^PASS my-half-close-js {2}my\.lab\.js/m);
    expect(r.code).toBe(0);
  });

  it('runs a vitest test of the project with tcplab/vitest against its server', async () => {
    const r = await sh(process.execPath, [path.join(project, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=dot']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('type-checks the project\'s lab against the shipped types, and catches a misspelt state', async () => {
    const tsc = path.join(project, 'node_modules', 'typescript', 'bin', 'tsc');
    const ok = await sh(process.execPath, [tsc, '-p', '.']);
    expect(ok.stdout + ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    writeFileSync(path.join(project, 'my.lab.ts'), LAB_TS.replace("toReach('CLOSE_WAIT'", "toReach('CLOSE-WAIT'"));
    const bad = await sh(process.execPath, [tsc, '-p', '.']);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toMatch(/my\.lab\.ts\(9,\d+\): error TS2345: Argument of type '"CLOSE-WAIT"'/);
    writeFileSync(path.join(project, 'my.lab.ts'), LAB_TS);
  });
});
