import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { Bucket, GLOBAL_TENANT } from '../database/data-version';
import { DataVersionRepository } from '../database/data-version.repository';
import { Database } from '../database/database.service';
import { DirectoryRepository } from './directory.repository';
import { CatalogDto, CatalogEntryDto, DirectoryUserDto, PutCatalogActionDto, PutUserDto } from './dto/directory.dto';

/** The user directory (e-mail + consent, erasure) and the action catalog. */
@Injectable()
export class DirectoryService {
  constructor(
    private readonly db: Database,
    private readonly directory: DirectoryRepository,
    private readonly versions: DataVersionRepository,
    private readonly clock: Clock,
  ) {}

  async putUser(userId: string, dto: PutUserDto): Promise<DirectoryUserDto> {
    await this.db.transaction(async (em) => {
      await this.directory.upsertUser(em, { userId, email: dto.email, statisticsConsent: dto.statisticsConsent, updated: this.clock.now() });
      // Exports of every tenant show consented e-mails: their ETags change.
      await this.versions.bump(em, [{ tenant: GLOBAL_TENANT, bucket: Bucket.Users }]);
    });
    return { userId, email: dto.email, statisticsConsent: dto.statisticsConsent };
  }

  /** Erasure: the user's e-mail and consent are deleted; later exports show no e-mail for them. */
  async eraseUser(userId: string): Promise<void> {
    await this.db.transaction(async (em) => {
      // Never known, or erased already: nothing changes.
      if (await this.directory.deleteUser(em, userId)) await this.versions.bump(em, [{ tenant: GLOBAL_TENANT, bucket: Bucket.Users }]);
    });
  }

  async catalog(): Promise<CatalogDto> {
    const modules = new Map<number, CatalogDto['modules'][number]>();
    for (const r of await this.directory.catalogRows()) {
      if (!modules.has(r.module)) modules.set(r.module, { id: r.module, name: r.moduleName, actions: [] });
      if (r.action !== null) {
        modules.get(r.module)!.actions.push({ action: r.action, name: r.name!, configurationAction: r.configurationAction, carriesPartList: r.carriesPartList });
      }
    }
    return { modules: [...modules.values()] };
  }

  async putCatalogAction(module: number, action: number, dto: PutCatalogActionDto): Promise<CatalogEntryDto> {
    return this.db.transaction(async (em) => {
      const moduleName = dto.moduleName ?? (await this.directory.moduleName(em, module)) ?? `module ${module}`;
      const entry = { module, moduleName, action, name: dto.name, configurationAction: dto.configurationAction, carriesPartList: dto.carriesPartList };
      await this.directory.upsertAction(em, entry);
      await this.versions.bump(em, [{ tenant: GLOBAL_TENANT, bucket: Bucket.Catalog }]);
      return entry;
    });
  }
}
