import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { Logger } from 'pino';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { ROOT_LOGGER } from '../config/core.module';
import { AccessGuard } from './access.guard';
import { JwksKeyStore } from './jwks-key-store';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtStrategy } from './jwt.strategy';

@Module({
  imports: [PassportModule.register({ session: false })],
  providers: [
    {
      // Only with JWT_JWKS_URL; null otherwise (JwtStrategy then uses the one configured key).
      provide: JwksKeyStore,
      useFactory: (config: AppConfig, clock: Clock, root: Logger) => (config.jwt.jwks ? new JwksKeyStore(config.jwt.jwks, clock, root.child({ context: 'JwksKeyStore' })) : null),
      inject: [AppConfig, Clock, ROOT_LOGGER],
    },
    JwtStrategy,
    JwtAuthGuard,
    AccessGuard,
  ],
  exports: [JwtAuthGuard, AccessGuard, JwksKeyStore],
})
export class AuthModule {}
