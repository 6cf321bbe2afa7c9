import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AddressInfo } from 'node:net';
import { AppModule } from './app.module';
import { API_PREFIX, configureApp } from './app.setup';
import { developmentToken } from './auth/development-token';
import { ConfigError, loadConfigOrExit } from './config/app-config';
import { DEMO_TENANT, DemoDataService } from './demo/demo-data.service';

/** The one-line explanation of a listen error the operator can fix (port taken, no privilege); undefined for others. */
function listenFailure(err: unknown, port: number): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return `Cannot listen on port ${port}: it is already in use (EADDRINUSE) — stop the other process or set PORT to a free port.`;
  }
  if (code === 'EACCES') return `Cannot listen on port ${port}: permission denied (EACCES) — set PORT to a port above 1023.`;
  return undefined;
}

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const demo = process.argv.includes('--demo');
  if (demo && config.nodeEnv === 'production') {
    process.stderr.write('--demo (demo data and a development token) is refused when NODE_ENV=production\n');
    process.exit(1);
  }
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), { bufferLogs: true });
  configureApp(app);
  try {
    await app.init();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  if (demo) await app.get(DemoDataService).seedIfEmpty();
  try {
    await app.listen(config.port);
  } catch (err) {
    const message = listenFailure(err, config.port);
    if (message === undefined) throw err;
    // One line instead of a stack trace; the exit code says it failed.
    process.stderr.write(`${message}\n`);
    await app.close().catch(() => undefined);
    process.exit(1);
  }
  // The bound port (PORT=0 lets the system pick one).
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const url = `http://localhost:${port}/${API_PREFIX}`;
  const lines = [``, `Statistics service listening on ${url}`, `Swagger UI: ${url}/docs`];
  if (demo && config.jwt.usesDevelopmentSecret) {
    const token = developmentToken(config, { tenants: [DEMO_TENANT], ingest: true });
    lines.push(
      `Development token (tenant ${DEMO_TENANT}, TENANT_STATISTICS + statistics:ingest, 12 h) — paste it into "Authorize":`,
      token,
      `Try: curl -H "Authorization: Bearer ${token}" ${url}/modules`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

void bootstrap();
