import { ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { Request } from 'express';

/** 401 with a JSON message for a missing, malformed, badly signed, expired or foreign token. */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  /**
   * Node keeps only the first of several Authorization headers, so which token counted would
   * depend on header order (and on what a proxy in front checked): such a request is refused.
   */
  override canActivate(context: ExecutionContext) {
    const raw = context.switchToHttp().getRequest<Request>().rawHeaders;
    let n = 0;
    for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === 'authorization') n++;
    if (n > 1) throw new UnauthorizedException('Invalid or missing bearer token (more than one Authorization header)');
    return super.canActivate(context);
  }

  override handleRequest<T>(err: unknown, user: T, info: unknown): T {
    if (err instanceof UnauthorizedException) throw err;
    if (err || !user) {
      const reason = info instanceof Error ? info.message : 'no bearer token';
      throw new UnauthorizedException(`Invalid or missing bearer token (${reason})`);
    }
    return user;
  }
}
