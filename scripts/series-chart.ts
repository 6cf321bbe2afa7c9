/**
 * `npm run docs:chart`: the picture in docs/api.md. Starts the service in this process as
 * `npm start` does (a fresh embedded SQLite file, the demo data, STATISTICS_TIME_ZONE=Europe/Vienna),
 * asks it for a real userActionsSeries answer over HTTP, and draws that answer with Chart.js in
 * headless Chromium (Debian's `chromium`, driven by playwright-core). Writes
 * docs/img/series-demo.png and the answer it drew, docs/img/series-demo.json.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/app.setup';
import { developmentToken } from '../src/auth/development-token';
import { Calendar } from '../src/common/calendar';
import { loadConfig } from '../src/config/app-config';
import { DEMO_TENANT, DemoDataService } from '../src/demo/demo-data.service';

const OUT = resolve(__dirname, '..', 'docs', 'img');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'series-chart-'));
  const config = loadConfig({ ...process.env, DATABASE_URL: '', SQLITE_PATH: join(dir, 'demo.sqlite'), STATISTICS_TIME_ZONE: 'Europe/Vienna', LOG_LEVEL: 'warn', PORT: '0' });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), { logger: ['error', 'warn'] });
  configureApp(app);
  await app.init();
  try {
    await app.get(DemoDataService).seedIfEmpty();
    await app.listen(0);
    const port = (app.getHttpServer().address() as AddressInfo).port;
    // The last 28 whole local days: views of the configurator module, the top 2 configurators and the rest.
    const calendar = new Calendar(config.timeZone);
    const to = calendar.startOfDay(new Date());
    const from = calendar.addDays(to, -28);
    const query = `from=${from.toISOString()}&to=${to.toISOString()}&interval=day&module=3&actions[]=1&aggregations[]=actionLabel&orderBy=count&limit=2&other=true`;
    const path = `/v2/statistics/tenants/${DEMO_TENANT}/userActionsSeries?${query}`;
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { Authorization: `Bearer ${developmentToken(config, { tenants: [DEMO_TENANT] })}` } });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    const answer: any = await res.json();
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, 'series-demo.json'), `${JSON.stringify({ request: `GET ${path}`, answer }, null, 2)}\n`);

    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 960, height: 480 }, deviceScaleFactor: 1 });
      await page.setContent('<html><body style="margin:0;background:#fff"><canvas id="c" width="960" height="480"></canvas></body></html>');
      // The UMD build (not in the package's exports map): next to its main file.
      await page.addScriptTag({ path: join(dirname(require.resolve('chart.js')), 'chart.umd.js') });
      await page.evaluate(
        ({ answer, title }) => {
          const labels = answer.meta.buckets.map((b: { label: string }) => b.label.slice(5));
          const colours = ['#2563eb', '#ea580c', '#6b7280'];
          const datasets = answer.series.map((s: { actionLabel: string; counts: number[] }, i: number) => ({ label: s.actionLabel, data: s.counts, borderColor: colours[i], backgroundColor: colours[i], tension: 0.25 }));
          if (answer.meta.other) datasets.push({ label: `other (${answer.meta.other.groups})`, data: answer.meta.other.counts, borderColor: colours[2], backgroundColor: colours[2], borderDash: [6, 4], tension: 0.25 });
          // Weekends shaded: the weekly rhythm is the point of the picture.
          const weekend = {
            id: 'weekend',
            beforeDatasetsDraw(chart: any) {
              const { ctx, chartArea, scales } = chart;
              ctx.save();
              ctx.fillStyle = 'rgba(0,0,0,0.05)';
              answer.meta.buckets.forEach((b: { label: string }, i: number) => {
                const day = new Date(`${b.label}T12:00:00Z`).getUTCDay();
                if (day !== 0 && day !== 6) return;
                const x = scales.x.getPixelForValue(i);
                const w = scales.x.getPixelForValue(1) - scales.x.getPixelForValue(0);
                ctx.fillRect(x - w / 2, chartArea.top, w, chartArea.bottom - chartArea.top);
              });
              ctx.restore();
            },
          };
          const page = globalThis as any;
          new page.Chart(page.document.getElementById('c'), {
            type: 'line',
            data: { labels, datasets },
            options: { animation: false, responsive: false, plugins: { title: { display: true, text: title } }, scales: { y: { beginAtZero: true, title: { display: true, text: 'views per day' } } } },
            plugins: [weekend],
          });
        },
        { answer, title: `userActionsSeries — demo tenant, views (module 3, action 1) per day by configurator, top 2 + other, ${config.timeZone} (weekends shaded)` },
      );
      await page.locator('#c').screenshot({ path: join(OUT, 'series-demo.png') });
    } finally {
      await browser.close();
    }
    process.stdout.write(`wrote ${join(OUT, 'series-demo.png')} and series-demo.json (${path})\n`);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
