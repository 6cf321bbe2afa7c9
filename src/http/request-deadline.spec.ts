import express from 'express';
import request from 'supertest';
import { requestDeadline, timedOut } from './request-deadline';

describe('requestDeadline', () => {
  function app(handlerDelayMs: number, timeoutMs: number, seen: { late?: boolean } = {}) {
    const a = express();
    a.use(requestDeadline(timeoutMs));
    a.get('/work', (_req, res) => {
      setTimeout(() => {
        seen.late = timedOut(res);
        if (!res.headersSent) res.json({ done: true });
      }, handlerDelayMs);
    });
    return a;
  }

  it('answers 503 with Retry-After and a message naming REQUEST_TIMEOUT_MS when the handler is too slow', async () => {
    // The handler answers only when the test lets it — after the deadline's 503 has arrived — so
    // nothing depends on how fast the machine is.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let handlerDone!: (late: boolean) => void;
    const late = new Promise<boolean>((r) => (handlerDone = r));
    const a = express();
    a.use(requestDeadline(100));
    a.get('/work', (_req, res) => {
      void released.then(() => {
        handlerDone(timedOut(res));
        if (!res.headersSent) res.json({ done: true });
      });
    });
    const started = Date.now();
    const res = await request(a).get('/work');
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body.statusCode).toBe(503);
    expect(res.body.error).toBe('Service Unavailable');
    expect(res.body.message).toContain('within 100 ms (REQUEST_TIMEOUT_MS)');
    release();
    expect(await late).toBe(true);
  });

  it('leaves a request that answers in time alone', async () => {
    const seen: { late?: boolean } = {};
    const res = await request(app(20, 500, seen)).get('/work');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ done: true });
    expect(seen.late).toBe(false);
  });

  it('does not cut off a response that has started streaming', async () => {
    const a = express();
    a.use(requestDeadline(100));
    a.get('/stream', (_req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.write('first;');
      setTimeout(() => res.end('second'), 300);
    });
    const res = await request(a).get('/stream');
    expect(res.status).toBe(200);
    expect(res.text).toBe('first;second');
  });
});
