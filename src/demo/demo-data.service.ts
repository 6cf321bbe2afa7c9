import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { mulberry32 } from '../common/prng';
import { DirectoryService } from '../directory/directory.service';
import { UserActionEventDto } from '../ingestion/dto/ingest-user-actions.dto';
import { IngestionService } from '../ingestion/ingestion.service';
import { UserActionRepository } from '../ingestion/user-action.repository';

export const DEMO_TENANT = 1;


/**
 * Seeds tenant 1 with realistic data on an empty database (`npm start`), through the same
 * ingestion and directory services the API uses.
 */
@Injectable()
export class DemoDataService {
  private readonly logger = new Logger(DemoDataService.name);

  constructor(
    private readonly userActions: UserActionRepository,
    private readonly ingestion: IngestionService,
    private readonly directory: DirectoryService,
    private readonly clock: Clock,
  ) {}

  async seedIfEmpty(events = 4000): Promise<number> {
    if ((await this.userActions.countOfTenant(DEMO_TENANT)) > 0) return 0;
    const rand = mulberry32(42);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    const countries = ['AT', 'DE', 'CH', 'IT', 'FR', 'NL', 'US', 'GB', 'SE', 'PL'];
    const devices = ['desktop', 'mobile', 'tablet'];
    // Weighted (half sofa, a third shelf, the rest kitchen): a top 2 by configurator leaves an `other`.
    const configurators = ['sofa-configurator', 'sofa-configurator', 'sofa-configurator', 'shelf-configurator', 'shelf-configurator', 'kitchen-planner'];
    const actions = [1, 1, 1, 1, 1, 2, 2, 4, 5, 302, 303];
    const users = ['demo-user-consenting', 'demo-user-not-consenting', undefined, undefined];
    const now = this.clock.now().getTime();
    const span = 29 * 86_400_000;
    // A chart worth looking at (userActionsSeries): a rising trend (×2.3 over the 29 days), a
    // weekly rhythm (weekends busiest, Friday quietest) and a daily one (evenings), drawn by
    // rejection from a uniform instant. Weekdays and hours in UTC: close enough for a demo.
    const WEEKDAY = [1.9, 1.0, 0.9, 0.85, 0.9, 0.7, 1.5]; // Sunday … Saturday
    const weight = (t: number) => {
      const d = new Date(t);
      const trend = 0.6 + 0.8 * (1 - (now - t) / span);
      const hour = d.getUTCHours();
      const daily = hour < 6 ? 0.15 : hour < 17 ? 0.7 : 1.0;
      return trend * WEEKDAY[d.getUTCDay()] * daily;
    };
    const instant = (): Date => {
      for (;;) {
        const t = now - Math.floor(rand() * span);
        if (rand() * 1.4 * 1.9 < weight(t)) return new Date(t);
      }
    };
    const all: UserActionEventDto[] = [];
    for (let i = 0; i < events; i++) {
      const action = pick(actions);
      const conf = `conf:demo:${Math.floor(rand() * 200)
        .toString(36)
        .padStart(4, '0')}`;
      const carriesPartList = action === 2 || action === 302 || action === 303;
      const e: UserActionEventDto = {
        eventId: `demo-${i}`,
        module: 3,
        action,
        created: instant(),
        country: pick(countries),
        device: pick(devices),
        actionLabel: pick(configurators),
        actionId: conf,
        userId: pick(users),
      };
      if (carriesPartList) {
        e.configuration = {
          thumbnail: `https://example.com/perspective/${conf.replace(/:/g, '-')}.jpg`,
          partList: { originPart: { articleNr: `article-${Math.floor(rand() * 50)}`, count: 1 + Math.floor(rand() * 3) } },
          ...(action === 303 ? { planCombinedIds: [`catalog:item:${Math.floor(rand() * 90)}`, `catalog:item:${Math.floor(rand() * 90)}`] } : {}),
        };
      }
      all.push(e);
    }
    for (let i = 0; i < all.length; i += 1000) {
      await this.ingestion.ingest(DEMO_TENANT, { userActions: all.slice(i, i + 1000) });
    }
    await this.directory.putUser('demo-user-consenting', { email: 'consenting.user@example.com', statisticsConsent: true });
    await this.directory.putUser('demo-user-not-consenting', { email: 'private.user@example.com', statisticsConsent: false });
    this.logger.log(`seeded ${all.length} demo user actions for tenant ${DEMO_TENANT}`);
    return all.length;
  }
}
