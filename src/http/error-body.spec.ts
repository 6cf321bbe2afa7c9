import { BadRequestException, HttpException, ServiceUnavailableException } from '@nestjs/common';
import express from 'express';
import request from 'supertest';
import { QueryFailedError } from 'typeorm';
import { errorBody, replyError, toErrorBody } from './error-body';

describe('toErrorBody', () => {
  it('keeps an HttpException status and message, joining a message list', () => {
    expect(toErrorBody(new BadRequestException('from must not be after to'), 'r1')).toEqual({
      body: { statusCode: 400, error: 'Bad Request', message: 'from must not be after to' },
      log: false,
    });
    expect(toErrorBody(new BadRequestException(['a is bad', 'b is bad']), 'r1').body.message).toBe('a is bad; b is bad');
    expect(toErrorBody(new ServiceUnavailableException('The database does not answer'), 'r1')).toEqual({
      body: { statusCode: 503, error: 'Service Unavailable', message: 'The database does not answer' },
      log: true,
    });
    expect(toErrorBody(new HttpException('teapot', 418), 'r1').body).toEqual({ statusCode: 418, error: "I'm a Teapot", message: 'teapot' });
  });

  it("names body-parser's errors", () => {
    expect(toErrorBody({ status: 413, type: 'entity.too.large', expose: true }, 'r1')).toEqual({
      body: { statusCode: 413, error: 'Payload Too Large', message: 'Request body is larger than the accepted limit (BODY_LIMIT)' },
      log: false,
    });
    expect(toErrorBody({ status: 400, type: 'entity.parse.failed', expose: true }, 'r1').body.message).toBe('Request body is not valid JSON');
    expect(toErrorBody({ statusCode: 415, type: 'charset.unsupported' }, 'r1').body).toEqual({
      statusCode: 415,
      error: 'Unsupported Media Type',
      message: 'Unsupported Media Type',
    });
  });

  it('answers 503 for a database that is away and 500 for anything else, naming only the request id', () => {
    expect(toErrorBody(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' }), 'r7')).toEqual({
      body: { statusCode: 503, error: 'Service Unavailable', message: 'The database is unavailable; retry later (request id r7)' },
      log: true,
    });
    expect(toErrorBody(new Error("ER_PARSE_ERROR: near 'SELECT secret'"), 'r8')).toEqual({
      body: { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error (request id r8)' },
      log: true,
    });
    // An http-errors object that must not be exposed (5xx or expose: false) is an internal error.
    expect(toErrorBody({ status: 400, expose: false }, 'r9').body.statusCode).toBe(500);
  });

  it('answers 503 (never 500) for a write conflict that outlived its retries: deadlock / Galera certification (1213), lock wait (1205), node not ready (1047)', () => {
    for (const [code, errno] of [
      ['ER_LOCK_DEADLOCK', 1213],
      ['ER_LOCK_WAIT_TIMEOUT', 1205],
    ] as const) {
      const err = new QueryFailedError('COMMIT', [], Object.assign(new Error('Deadlock found when trying to get lock; try restarting transaction'), { code, errno }));
      expect(toErrorBody(err, 'r3')).toEqual({
        body: { statusCode: 503, error: 'Service Unavailable', message: 'The database is busy with conflicting writes; retry later (request id r3)' },
        log: true,
      });
    }
    const notReady = new QueryFailedError('SELECT 1', [], Object.assign(new Error('WSREP has not yet prepared node for application use'), { code: 'ER_UNKNOWN_COM_ERROR', errno: 1047 }));
    expect(toErrorBody(notReady, 'r4').body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'The database is unavailable; retry later (request id r4)' });
  });
});

describe('replyError', () => {
  it('sends the body as JSON, drops CSV download headers and asks a 503 to retry', async () => {
    const app = express();
    app.get('/csv', (_req, res) => {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', 'attachment; filename="x.csv"');
      replyError(res, errorBody(503, 'away'));
    });
    app.get('/405', (_req, res) => replyError(res, errorBody(405, 'no')));
    const csv = await request(app).get('/csv');
    expect(csv.status).toBe(503);
    expect(csv.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(csv.headers['content-disposition']).toBeUndefined();
    expect(csv.headers['retry-after']).toBe('5');
    expect(csv.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'away' });
    const other = await request(app).get('/405');
    expect(other.status).toBe(405);
    expect(other.headers['retry-after']).toBeUndefined();
    expect(other.body).toEqual({ statusCode: 405, error: 'Method Not Allowed', message: 'no' });
  });
});
