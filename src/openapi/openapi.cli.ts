// npm run openapi            writes openapi.json (the committed contract) from the code
// npm run openapi -- --check exits 1 when the committed openapi.json differs from the code's
// No server, no database: the module graph is built in Nest's preview mode (nothing instantiated).
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppModule } from '../app.module';
import { API_PREFIX } from '../app.setup';
import { loadConfig } from '../config/app-config';
import { buildOpenApiDocument, serializeOpenApiDocument } from './openapi-document';

export const OPENAPI_FILE = join(__dirname, '..', '..', 'openapi.json');

/** The document exactly as configureApp() serves it, built without a database. */
export async function generateOpenApiJson(): Promise<string> {
  const config = loadConfig({ LOG_LEVEL: 'silent', ROLLUP_ENABLED: 'false' });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), { preview: true, logger: false });
  try {
    app.setGlobalPrefix(API_PREFIX);
    return serializeOpenApiDocument(buildOpenApiDocument(app));
  } finally {
    await app.close();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const unknown = args.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    console.error(`unknown argument ${unknown[0]}\nusage: npm run openapi [-- --check]`);
    process.exit(2);
  }
  const generated = await generateOpenApiJson();
  if (!check) {
    writeFileSync(OPENAPI_FILE, generated);
    console.log(`wrote ${OPENAPI_FILE}`);
    return;
  }
  const committed = existsSync(OPENAPI_FILE) ? readFileSync(OPENAPI_FILE, 'utf8') : '';
  if (committed !== generated) {
    console.error('openapi.json is stale: it differs from what the code generates. Run `npm run openapi` and commit the result.');
    process.exit(1);
  }
  console.log('openapi.json is up to date');
}

if (require.main === module) void main();
