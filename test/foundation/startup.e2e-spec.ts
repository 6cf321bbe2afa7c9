import { createServer, Server } from 'node:net';
import { freePort, ServiceProcess, stopAllServices } from '../support/service-process';
import { TestApp } from '../support/test-app';

// Issue 11 item 7, on the compiled service (`node dist/main.js`, as `npm start` runs it): the
// banner's curl line carries the real token and port and works when pasted; a port already in
// use ends the start with one clear line and exit code 1, not a stack trace.

describe('the compiled service at start', () => {
  let t: TestApp;

  beforeAll(async () => {
    // Provides this worker's database (SQLite file or MySQL database), migrated and empty.
    t = await TestApp.create();
  });
  afterAll(async () => {
    stopAllServices();
    await t.close();
  });

  it('--demo prints a curl line with the real token and port that works as printed', async () => {
    const svc = await ServiceProcess.start({ database: t.config.database, args: ['--demo'] });
    try {
      const out = svc.stdout();
      expect(out).not.toContain('<token>');
      const lines = out.split('\n');
      const tokenLine = lines.findIndex((l) => l.startsWith('Development token (tenant 1'));
      expect(tokenLine).toBeGreaterThan(-1);
      const token = lines[tokenLine + 1];
      expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      const tryLine = lines[tokenLine + 2];
      expect(tryLine).toBe(`Try: curl -H "Authorization: Bearer ${token}" http://localhost:${svc.port}/v2/statistics/modules`);
      // What the curl line sends, sent here: the printed header to the printed URL.
      const res = await fetch(`http://127.0.0.1:${svc.port}/v2/statistics/modules`, { headers: { Authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { modules: Array<{ id: number; name: string }> };
      expect(body.modules.map((m) => m.id)).toContain(3);
      // The token carries what the banner says: TENANT_STATISTICS on tenant 1 and the ingest scope.
      const read = await fetch(`${svc.baseUrl}/tenants/1/useractions`, { headers: { Authorization: `Bearer ${token}` } });
      expect(read.status).toBe(200);
      expect((await read.json()) as unknown).toBeDefined();
    } finally {
      svc.kill('SIGTERM');
      await svc.waitExit();
    }
  });

  it('a port already in use: one line on stderr naming the port and EADDRINUSE, exit code 1', async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve, reject) => {
      blocker.once('error', reject);
      blocker.listen(port, resolve);
    });
    try {
      const svc = ServiceProcess.launch({ database: t.config.database, port, args: ['--demo'] });
      const exit = await svc.waitExit(30_000);
      expect(exit).toEqual({ code: 1, signal: null });
      expect(svc.stderr()).toBe(
        `Cannot listen on port ${port}: it is already in use (EADDRINUSE) — stop the other process or set PORT to a free port.\n`,
      );
      expect(svc.stdout()).not.toMatch(/\n\s+at /); // no stack trace anywhere
      expect(svc.stdout()).not.toMatch(/listening on/i);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
