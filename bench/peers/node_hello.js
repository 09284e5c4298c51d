// Bare Node's side of peers_bench: an http server calling the same handler as the Stratus
// function and the workerd worker once per request, with the JSON body as its event.
// Prints "listening on http://127.0.0.1:PORT" once it accepts connections.
'use strict';
const http = require('http');

const handler = async (event) => ({ statusCode: 200, body: 'hello' });

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    let status = 200;
    let body;
    try {
      const text = Buffer.concat(chunks).toString('utf8');
      const event = text ? JSON.parse(text) : {};
      body = JSON.stringify(await handler(event));
    } catch (e) {
      status = 500;
      body = JSON.stringify({ errorMessage: String(e) });
    }
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  });
});
server.keepAliveTimeout = 60000;
server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  console.log('listening on http://127.0.0.1:' + server.address().port);
});
process.on('SIGTERM', () => process.exit(0));
