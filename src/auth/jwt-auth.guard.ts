import { Injectable, UnauthorizedException } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';

/** 401 with a JSON message for a missing, malformed, badly signed, expired or foreign token. */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  override handleRequest<T>(err: unknown, user: T, info: unknown): T {
    if (err instanceof UnauthorizedException) throw err;
    if (err || !user) {
      const reason = info instanceof Error ? info.message : 'no bearer token';
      throw new UnauthorizedException(`Invalid or missing bearer token (${reason})`);
    }
    return user;
  }
}
