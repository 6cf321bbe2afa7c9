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
    const seen: { late?: boolean } = {};
    const started = Date.now();
    const res = await request(app(400, 100, seen)).get('/work');
    const took = Date.now() - started;
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body.statusCode).toBe(503);
    expect(res.body.error).toBe('Service Unavailable');
    expect(res.body.message).toContain('within 100 ms (REQUEST_TIMEOUT_MS)');
    expect(took).toBeGreaterThanOrEqual(95);
    expect(took).toBeLessThan(380);
    await new Promise((r) => setTimeout(r, 400));
    expect(seen.late).toBe(true);
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
