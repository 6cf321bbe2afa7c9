import { BadRequestException } from '@nestjs/common';
import { NextFunction, Request, Response } from 'express';

/**
 * Most levels of nested objects and arrays a request body may have. class-transformer (the
 * validation pipe) and JSON.stringify (storing a part list) recurse once per level, so a body
 * nested a few thousand levels deep overflowed the stack: a 500 instead of a 400. Real part lists
 * are a handful of levels deep.
 */
export const MAX_JSON_DEPTH = 64;

/** How a path is shown in a message: `userActions[0].configuration.partList.a…`. */
function display(path: string[], truncated: boolean): string {
  const shown = path.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
  return truncated ? `${shown}…` : shown;
}

/**
 * The path of the first object or array nested more than `max` levels deep in `value`, or
 * undefined. Iterative, so a deep document cannot overflow the stack here.
 */
export function tooDeepPath(value: unknown, max = MAX_JSON_DEPTH): string | undefined {
  const SHOWN = 6;
  const stack: Array<{ v: object; depth: number; path: string[] }> = [];
  if (typeof value === 'object' && value !== null) stack.push({ v: value, depth: 0, path: [] });
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop()!;
    if (depth >= max) return display(path.slice(0, SHOWN), path.length > SHOWN);
    for (const [key, child] of Object.entries(v)) {
      if (typeof child === 'object' && child !== null) stack.push({ v: child, depth: depth + 1, path: path.length <= SHOWN ? [...path, key] : path });
    }
  }
  return undefined;
}

/**
 * Express middleware after the JSON body parser, for every route: a body nested more than
 * {@link MAX_JSON_DEPTH} levels gets 400 naming where, before any pipe or service walks it.
 */
export function jsonDepthGuard(req: Request, _res: Response, next: NextFunction): void {
  const path = tooDeepPath(req.body);
  if (path === undefined) return next();
  next(new BadRequestException(`${path || 'body'} is nested too deeply (at most ${MAX_JSON_DEPTH} levels of objects and arrays)`));
}
