// Catches the CLOSE_WAIT leak of leaky-server.js with tcplab's matchers, on the real kernel's
// socket table: `npm test` runs against fixed-server.js (passes), `npm run test:leaky` against
// leaky-server.js (fails, pointing at the assertion's line).
import net from 'node:net';
import { expect, onTestFinished, test } from 'vitest';
import { observe } from 'tcplab/vitest';

const { createServer } = await import(process.env.SERVER === 'leaky' ? './leaky-server.js' : './fixed-server.js');

async function listening() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sockets = new Set();
  server.on('connection', (s) => sockets.add(s));
  onTestFinished(() => new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(resolve);
  }));
  return server.address().port;
}

/** Sends `request` (taking `streamMs` over it), half-closes, and returns the status line, or 'no answer' after `timeoutMs`. */
function send(port, request, { streamMs = 0, timeoutMs = 300 } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.write(request);
      setTimeout(() => socket.end(), streamMs);
    });
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('end', () => resolve(answer.split('\r\n')[0]));
    socket.on('error', () => resolve('error'));
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      resolve('no answer');
    });
  });
}

test('a bad request leaves no connection in CLOSE_WAIT', async () => {
  const port = await listening();
  const obs = await observe({ port });
  await send(port, 'GET /upload HTTP/1.0\r\n\r\n');
  // The client has closed its end: the server must close its own within a second.
  await expect(obs).not.toHaveSocketIn('CLOSE_WAIT', { after: 1000 });
});

/** Sends `request` and half-closes at once; resolves when the FIN is handed to the kernel, not waiting for an answer. */
function sendAndClose(port, request) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.end(request, () => resolve(socket)));
    socket.on('error', () => {});
    socket.resume();
    onTestFinished(() => void socket.destroy());
  });
}

test('a bad request leaves no connection in CLOSE_WAIT, asserted the moment our FIN is sent', async () => {
  const port = await listening();
  const obs = await observe({ port });
  await sendAndClose(port, 'GET /upload HTTP/1.0\r\n\r\n');
  // The server may not even have read the FIN yet: the sockets that enter CLOSE_WAIT during the
  // next second count too, so a leak cannot pass.
  await expect(obs).not.toHaveSocketIn('CLOSE_WAIT', { after: 1000 });
});

test('uploads close cleanly', async () => {
  const port = await listening();
  const obs = await observe({ port });
  for (let i = 0; i < 5; i++) {
    expect(await send(port, `POST /upload HTTP/1.0\r\n\r\nbody ${i}`, { streamMs: 50 })).toBe('HTTP/1.0 200 OK');
  }
  // The client closes first: the server's side passes through CLOSE_WAIT and LAST_ACK (too
  // briefly for a poll of /proc to see, hence `?`; the kernel's trace sees them), and each
  // client's side waits in TIME_WAIT.
  await expect(obs).toFollowPath(['ESTABLISHED', 'CLOSE_WAIT?', 'LAST_ACK?', 'CLOSED']);
  await expect(obs).toHaveCountIn('TIME_WAIT', { atLeast: 5, atMost: 5 });
  await expect(obs).not.toHaveSocketIn('CLOSE_WAIT', { after: 1000 });
});
