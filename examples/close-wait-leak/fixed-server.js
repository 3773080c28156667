// The same upload service, fixed: every path ends the connection, so a socket spends only the
// moment between the client's FIN and the server's answer in CLOSE_WAIT.
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
        socket.end('HTTP/1.0 400 Bad Request\r\n\r\n');
        return;
      }
      socket.end(`HTTP/1.0 200 OK\r\n\r\nstored ${request.length} bytes\n`);
    });
  });
}
