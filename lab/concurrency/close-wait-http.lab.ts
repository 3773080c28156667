// close-wait-http: an http.Server whose handler neither reads the request body nor ends the
// response leaks one CLOSE_WAIT per client that gives up.
// Deterministic: each client sends a 64 KiB body, more than the request stream buffers, so Node
// stops reading the socket (backpressure) and never reads the client's FIN: the kernel keeps the
// connection in CLOSE_WAIT, with the unread bytes, until the process closes it. Checked on Node 20:
// without a body Node does read the FIN and closes, even with the response never ended.
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { countSides, lab, whoHolds } from 'tcplab';

const CLIENTS = 20;
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
const BODY = 64 * 1024;

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** Starts a server, sends CLIENTS uploads that give up once the server has them; returns the server. */
async function uploadsThatGiveUp(host: string, handler: Handler, setup: (s: http.Server) => void = () => {}): Promise<http.Server> {
  let requests = 0;
  let allIn: () => void = () => {};
  const arrived = new Promise<void>((resolve) => (allIn = resolve));
  const server = http.createServer((req, res) => {
    if (++requests === CLIENTS) allIn();
    handler(req, res);
  });
  setup(server);
  await new Promise<void>((resolve) => server.listen({ host, port: 0 }, resolve));
  const { port } = server.address() as net.AddressInfo;
  const clients = Array.from({ length: CLIENTS }, () => {
    const socket = net.connect({ host, port }, () => {
      socket.write(`POST /upload HTTP/1.1\r\nHost: lab\r\nContent-Length: ${BODY}\r\n\r\n`);
      socket.write(Buffer.alloc(BODY, 'x'));
    });
    socket.on('error', () => {});
    socket.resume();
    return socket;
  });
  await arrived;
  for (const socket of clients) socket.destroy();
  return server;
}

/** The server side's CLOSE_WAIT count once it equals `want` (or the last one seen after `withinMs`). */
async function closeWaitOf(server: http.Server, want: number, withinMs = 1000): Promise<number> {
  const { port } = server.address() as net.AddressInfo;
  const deadline = Date.now() + withinMs;
  for (;;) {
    const n = (await countSides(port)).server.CLOSE_WAIT;
    if (n === want || Date.now() > deadline) return n;
    await sleep(20);
  }
}

function stop(server: http.Server): void {
  server.closeAllConnections();
  server.close();
}

export default lab('close-wait-http', {
  explain:
    'A handler that never ends its response and never reads the request body: Node stops reading the socket once the ' +
    'body fills its buffer, so when a client gives up its FIN is never read and the server side stays in CLOSE_WAIT, one ' +
    'per client, held by the server process. closeIdleConnections() does not help on Node 20 (a request is in flight; ' +
    "Node 22 and later close them), nor does req.on('close'), which never fires; reading the body and ending the " +
    'response does, and so does a socket timeout.',
  shows: ['CLOSE_WAIT'],
}, async ({ host, check }) => {
  const leaky = await uploadsThatGiveUp(host, () => {});
  try {
    const { port } = leaky.address() as net.AddressInfo;
    let n = await closeWaitOf(leaky, CLIENTS);
    check(n === CLIENTS, `a leaky handler: ${CLIENTS} clients gone, ${CLIENTS} CLOSE_WAIT on the server`, `${n} CLOSE_WAIT`);
    const who = await whoHolds(port);
    const held = who.sockets.filter((s) => s.state === 'CLOSE_WAIT' && s.holders.some((h) => h.pid === process.pid));
    check(held.length === CLIENTS, 'who holds them: this lab\'s own process (the server)', `${held.length} held by pid ${process.pid}`);
    leaky.closeIdleConnections();
    // Node 20 keeps a connection with a request in flight; Node 22 and later close it as idle.
    if (NODE_MAJOR < 22) {
      n = await closeWaitOf(leaky, 0, 200);
      check(n === CLIENTS, 'closeIdleConnections() leaves them on Node 20: each has a request in flight', `${n} CLOSE_WAIT`);
    } else {
      n = await closeWaitOf(leaky, 0);
      check(n === 0, `closeIdleConnections() closes them on Node ${NODE_MAJOR}`, `${n} CLOSE_WAIT`);
    }
  } finally {
    stop(leaky);
  }

  const fixed = await uploadsThatGiveUp(host, (req, res) => {
    req.resume();
    req.on('end', () => res.end('stored\n'));
  });
  try {
    const n = await closeWaitOf(fixed, 0);
    check(n === 0, 'a handler that reads the body and ends the response: no CLOSE_WAIT', `${n} CLOSE_WAIT`);
  } finally {
    stop(fixed);
  }

  const timed = await uploadsThatGiveUp(host, () => {}, (server) => server.setTimeout(300));
  try {
    const first = await closeWaitOf(timed, CLIENTS, 200);
    const n = await closeWaitOf(timed, 0);
    check(first === CLIENTS && n === 0, `the leaky handler with server.setTimeout(300): ${CLIENTS} CLOSE_WAIT, closed once idle 300 ms`,
      `${first} CLOSE_WAIT, then ${n}`);
  } finally {
    stop(timed);
  }
});
