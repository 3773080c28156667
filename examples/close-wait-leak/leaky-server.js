// An upload service with the classic CLOSE_WAIT leak. It speaks HTTP/1.0 over `net` and reads
// each request until the client half-closes (the body ends at EOF), so it needs allowHalfOpen:
// after the client's FIN the connection stays open until the server ends its side. The error
// path forgets to: every bad request leaves a socket in CLOSE_WAIT, for as long as the process lives.
import net from 'node:net';

export function createServer() {
  return net.createServer({ allowHalfOpen: true }, (socket) => {
    let request = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => {
      request += chunk;
    });
    socket.on('end', () => {
      const [line = ''] = request.split('\r\n');
      if (!line.startsWith('POST /upload ')) {
        console.error(`bad request: ${JSON.stringify(line)}`);
        return; // BUG: no socket.end(): the client has closed its end, ours stays open.
      }
      socket.end(`HTTP/1.0 200 OK\r\n\r\nstored ${request.length} bytes\n`);
    });
  });
}
