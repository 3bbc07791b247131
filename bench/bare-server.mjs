// The ceiling: a bare node:http server answering every request with a fixed JSON body
// (about the size of a PaymentIntent), after reading the request body like a real server
// would. Prints `listening on PORT` once bound.
import http from 'node:http';

const body = Buffer.from(
  JSON.stringify({
    id: 'pi_3Bench000000000000000000',
    object: 'payment_intent',
    amount: 1000,
    amount_capturable: 0,
    amount_received: 0,
    capture_method: 'manual',
    currency: 'eur',
    livemode: false,
    metadata: {},
    payment_method_types: ['card_present'],
    status: 'requires_payment_method',
    client_secret: 'pi_3Bench000000000000000000_secret_000000000000000000000000',
    created: 1700000000,
    padding: 'x'.repeat(700),
  }),
);

const server = http.createServer((req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => {
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': body.length,
      'Request-Id': 'req_bench',
    });
    res.end(body);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
