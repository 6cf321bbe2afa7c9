import { Injectable, Optional, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, SecretOrKeyProvider, Strategy } from 'passport-jwt';
import { AppConfig } from '../config/app-config';
import { JwksKeyStore } from './jwks-key-store';
import { Principal } from './principal';
import { VerifiedTokens } from './verified-tokens';

/** Seconds of clock difference allowed for exp, nbf and iat. */
export const CLOCK_TOLERANCE_SECONDS = 5;

/** Verified tokens remembered: at most this many, each for at most this long (src/auth/verified-tokens.ts). */
export const VERIFIED_TOKENS_MAX = 10_000;
export const VERIFIED_TOKENS_TTL_MS = 60_000;

const bearerToken = ExtractJwt.fromAuthHeaderAsBearerToken();

/** The key source: one KeyObject (JWT_SECRET / JWT_PUBLIC_KEY), or the JWKS key chosen by the token's kid. */
function keySource(config: AppConfig, jwks: JwksKeyStore | null | undefined): { secretOrKey: string } | { secretOrKeyProvider: SecretOrKeyProvider } {
  if (config.jwt.jwks) {
    if (!jwks) throw new Error('JWT_JWKS_URL is set but no JwksKeyStore was provided');
    return {
      secretOrKeyProvider: (_req, rawJwtToken: string, done: (err: Error | null, key?: KeyObject) => void) => {
        jwks.keyForToken(rawJwtToken).then(
          (key) => done(null, key),
          (err: Error) => done(err),
        );
      },
    } as { secretOrKeyProvider: SecretOrKeyProvider };
  }
  // A KeyObject made once: given a string, jsonwebtoken re-parses the key on every request
  // (createSecretKey/createPublicKey were a quarter of a read request's CPU).
  const key = config.jwt.algorithms.includes('HS256') ? createSecretKey(Buffer.from(config.jwt.key)) : createPublicKey(config.jwt.key);
  return { secretOrKey: key as unknown as string };
}

/**
 * Proves identity only: signature (the configured algorithms only, so `alg: none` and HS/RS
 * confusion fail), expiry, not-before, issuer and audience. What the caller may touch is
 * decided by {@link AccessGuard}. The checks are the same whatever the key source.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  readonly verified = new VerifiedTokens(VERIFIED_TOKENS_MAX, VERIFIED_TOKENS_TTL_MS, CLOCK_TOLERANCE_SECONDS);

  private readonly jwks?: JwksKeyStore;

  constructor(config: AppConfig, @Optional() jwks?: JwksKeyStore) {
    super({
      jwtFromRequest: bearerToken,
      passReqToCallback: true,
      ...keySource(config, jwks),
      algorithms: config.jwt.algorithms,
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: CLOCK_TOLERANCE_SECONDS },
    });
    this.jwks = config.jwt.jwks ? (jwks ?? undefined) : undefined;
  }

  /** What vouches for a remembered verification now: the key set's generation while it is fresh, 0 for a configured key; undefined: remember nothing. */
  private tag(): number | undefined {
    if (!this.jwks) return 0;
    return this.jwks.fresh() ? this.jwks.generation : undefined;
  }

  /**
   * A token verified in the last minute and not yet expired passes without a second verification
   * (the same text, so the same signature, claims and answer); any other goes through passport-jwt.
   * Passport calls this on an object made per request from this strategy, with `success` set.
   */
  override authenticate(req: Request, options?: object): void {
    const token = bearerToken(req);
    const tag = this.tag();
    const known = token && tag !== undefined ? this.verified.get(token, tag) : undefined;
    if (known) return this.success(known);
    return super.authenticate(req, options);
  }

  validate(req: Request, payload: Record<string, unknown>): Principal {
    const principal = JwtStrategy.principal(payload);
    const token = bearerToken(req);
    const tag = this.tag();
    if (token && tag !== undefined) this.verified.set(token, principal, payload.exp, tag);
    return principal;
  }

  private static principal(payload: Record<string, unknown>): Principal {
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
    for (const list of Object.values(rights)) Object.freeze(list);
    // Shared by every request that presents the token: frozen, so none can change another's.
    return Object.freeze({ sub: String(payload.sub ?? ''), rights: Object.freeze(rights), scopes: Object.freeze(scope.split(' ').filter(Boolean)) as string[] });
  }
}
