import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AnswerCache } from './answer-cache';
import { CacheSpec, HttpCache, NotModified } from './http-cache';

/**
 * The cache steps of a read route, in one place: the ETag of the answer's data (304 when the
 * client's copy is current), then the answer kept for that ETag or computed now (docs/api.md,
 * "HTTP caching", "Answer cache").
 */
@Injectable()
export class ReadCache {
  constructor(
    private readonly http: HttpCache,
    private readonly answers: AnswerCache,
  ) {}

  async answer<T>(req: Request, res: Response, spec: CacheSpec, size: (value: T) => number, compute: () => Promise<T>): Promise<T | NotModified> {
    if (await this.http.validate(req, res, spec)) return new NotModified();
    return this.answers.answer(spec.route, res, size, compute);
  }
}
