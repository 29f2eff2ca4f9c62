// A small HTTP server on node's http module, for tests/test_node.py and
// `tools/bench --program node`: GET / answers "hello from node"; other paths
// echo the method, the path and a hash of the body; it says "listening" when ready.
// Arguments: the port (8080) and the address (every one).
'use strict';
const crypto = require('crypto');
const http = require('http');

const port = Number(process.argv[2] || 8080);
const host = process.argv[3] || '0.0.0.0';
const hello = Buffer.from('hello from node\n');

http.createServer((req, res) => {
  if (req.url === '/') {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': hello.length });
    res.end(hello);
    return;
  }
  const hash = crypto.createHash('sha256');
  req.on('data', (chunk) => hash.update(chunk));
  req.on('end', () => {
    res.writeHead(req.url === '/missing' ? 404 : 200, { 'Content-Type': 'text/plain' });
    res.end(`${req.method} ${req.url} ${hash.digest('hex')}\n`);
  });
}).listen(port, host, () => console.log('listening'));
