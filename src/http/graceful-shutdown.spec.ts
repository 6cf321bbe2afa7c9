import { Agent, createServer, get, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { drainConnections } from './graceful-shutdown';

// A response still being sent when the shutdown starts: without draining, its keep-alive
// connection would stay open for the keep-alive timeout (65 s) after the response ended, and
// server.close() would not call back until then.

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function body(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (text += c));
    res.on('end', () => resolve(text));
    res.on('error', reject);
  });
}

describe('drainConnections', () => {
  let release!: () => void;
  const closing = new Promise<void>((r) => (release = r));

  it('closes a keep-alive connection as soon as its in-flight response has ended, and the server closes', async () => {
    let requestArrived!: () => void;
    const arrived = new Promise<void>((r) => (requestArrived = r));
    const server = createServer((_req, res) => {
      requestArrived();
      // The response ends only once the shutdown has begun.
      void closing.then(() => res.end('the whole answer'));
    });
    server.keepAliveTimeout = 65_000;
    const port = await listen(server);
    const agent = new Agent({ keepAlive: true });
    const response = new Promise<IncomingMessage>((resolve) => get({ host: '127.0.0.1', port, agent, path: '/' }, resolve));
    await arrived;

    drainConnections(server, 60_000);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    release();
    const res = await response;
    expect(await body(res)).toBe('the whole answer');
    await closed; // would take 65 s (the keep-alive timeout) without draining: the test would time out
    agent.destroy();
  });

  it('a request arriving on an open connection after the shutdown began is answered with Connection: close', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    server.keepAliveTimeout = 65_000;
    const port = await listen(server);
    drainConnections(server, 60_000);
    const agent = new Agent({ keepAlive: true });
    const res = await new Promise<IncomingMessage>((resolve) => get({ host: '127.0.0.1', port, path: '/', agent }, resolve));
    expect(res.headers.connection).toBe('close');
    expect(await body(res)).toBe('ok');
    await new Promise<void>((resolve) => server.close(() => resolve()));
    agent.destroy();
  });

  it('after the grace period, connections still busy are closed', async () => {
    const server = createServer(() => undefined); // never answers
    const port = await listen(server);
    let sent!: () => void;
    const requestSeen = new Promise<void>((r) => (sent = r));
    server.once('request', () => sent());
    const failed = new Promise<Error>((resolve) => get({ host: '127.0.0.1', port, path: '/' }).on('error', resolve));
    await requestSeen;
    drainConnections(server, 10);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect((await failed).message).toMatch(/socket hang up/);
  });
});
