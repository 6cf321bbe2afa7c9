import { Injectable, UnauthorizedException } from '@nestjs/common';
import { createPublicKey, createSecretKey } from 'node:crypto';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../config/app-config';
import { Principal } from './principal';

/** Seconds of clock difference allowed for exp, nbf and iat. */
export const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * Proves identity only: signature (the configured algorithms only, so `alg: none` and HS/RS
 * confusion fail), expiry, not-before, issuer and audience. What the caller may touch is
 * decided by {@link AccessGuard}.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(config: AppConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject made once: given a string, jsonwebtoken re-parses the key on every request
      // (createSecretKey/createPublicKey were a quarter of a read request's CPU).
      secretOrKey: config.jwt.algorithms.includes('HS256') ? (createSecretKey(Buffer.from(config.jwt.key)) as unknown as string) : (createPublicKey(config.jwt.key) as unknown as string),
      algorithms: config.jwt.algorithms,
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: CLOCK_TOLERANCE_SECONDS },
    });
  }

  validate(payload: Record<string, unknown>): Principal {
    // jsonwebtoken checks exp and nbf but not iat: a token "issued" in the future is forged or
    // minted by an issuer with a broken clock.
    const iat = payload.iat;
    if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat) || iat > Date.now() / 1000 + CLOCK_TOLERANCE_SECONDS)) {
      throw new UnauthorizedException('Token claim "iat" must be a NumericDate that is not in the future');
    }
    const rights: Record<string, string[]> = {};
    const raw = payload.rights ?? {};
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new UnauthorizedException('Token claim "rights" must be an object of tenant id → list of rights');
    }
    for (const [tenant, list] of Object.entries(raw)) {
      if (!Array.isArray(list) || !list.every((r) => typeof r === 'string')) {
        throw new UnauthorizedException(`Token claim "rights.${tenant}" must be a list of strings`);
      }
      rights[tenant] = list;
    }
    const scope = payload.scope ?? '';
    if (typeof scope !== 'string') throw new UnauthorizedException('Token claim "scope" must be a space-separated string');
    return { sub: String(payload.sub ?? ''), rights, scopes: scope.split(' ').filter(Boolean) };
  }
}
