import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { Bucket, bumpVersions, GLOBAL_TENANT } from '../database/data-version';
import { Database } from '../database/database.service';
import { toBool, toInt } from '../database/values';
import { CatalogDto, CatalogEntryDto, DirectoryUserDto, PutCatalogActionDto, PutUserDto } from './dto/directory.dto';

/** The user directory (e-mail + consent, erasure) and the action catalog. */
@Injectable()
export class DirectoryService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  private upsertSql(table: string, keys: string[], cols: string[]): string {
    const all = [...keys, ...cols];
    const values = `(${all.join(', ')}) VALUES (${all.map(() => '?').join(', ')})`;
    return this.db.dialect === 'mysql'
      ? `INSERT INTO ${table} ${values} ON DUPLICATE KEY UPDATE ${cols.map((c) => `${c} = VALUES(${c})`).join(', ')}`
      : `INSERT INTO ${table} ${values} ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${cols.map((c) => `${c} = excluded.${c}`).join(', ')}`;
  }

  async putUser(userId: string, dto: PutUserDto): Promise<DirectoryUserDto> {
    await this.db.transaction(async (em) => {
      await em.query(this.upsertSql('directory_user', ['user_id'], ['email', 'statistics_consent', 'updated']), [
        userId,
        dto.email,
        dto.statisticsConsent ? 1 : 0,
        this.db.instantParam(this.clock.now()),
      ]);
      // Exports of every tenant show consented e-mails: their ETags change.
      await bumpVersions(em, this.db.dialect, [{ tenant: GLOBAL_TENANT, bucket: Bucket.Users }]);
    });
    return { userId, email: dto.email, statisticsConsent: dto.statisticsConsent };
  }

  /** Erasure: the user's e-mail and consent are deleted; later exports show no e-mail for them. */
  async eraseUser(userId: string): Promise<void> {
    await this.db.transaction(async (em) => {
      const known: unknown[] = await em.query('SELECT user_id FROM directory_user WHERE user_id = ?', [userId]);
      if (known.length === 0) return; // never known, or erased already: nothing changes
      await em.query('DELETE FROM directory_user WHERE user_id = ?', [userId]);
      await bumpVersions(em, this.db.dialect, [{ tenant: GLOBAL_TENANT, bucket: Bucket.Users }]);
    });
  }

  async catalog(): Promise<CatalogDto> {
    const rows: Array<Record<string, unknown>> = await this.db.read((em) =>
      em.query(
        `SELECT m.id AS module, m.name AS moduleName, a.action AS action, a.name AS name,
                a.configuration_action AS configurationAction, a.carries_part_list AS carriesPartList
           FROM catalog_module m LEFT JOIN catalog_action a ON a.module = m.id
          ORDER BY m.id, a.action`,
      ),
    );
    const modules = new Map<number, CatalogDto['modules'][number]>();
    for (const r of rows) {
      const id = toInt(r.module);
      if (!modules.has(id)) modules.set(id, { id, name: String(r.moduleName), actions: [] });
      if (r.action !== null) {
        modules.get(id)!.actions.push({
          action: toInt(r.action),
          name: String(r.name),
          configurationAction: toBool(r.configurationAction),
          carriesPartList: toBool(r.carriesPartList),
        });
      }
    }
    return { modules: [...modules.values()] };
  }

  async putCatalogAction(module: number, action: number, dto: PutCatalogActionDto): Promise<CatalogEntryDto> {
    return this.db.transaction(async (em) => {
      const existing: Array<{ name: string }> = await em.query('SELECT name FROM catalog_module WHERE id = ?', [module]);
      const moduleName = dto.moduleName ?? existing[0]?.name ?? `module ${module}`;
      await em.query(this.upsertSql('catalog_module', ['id'], ['name']), [module, moduleName]);
      await em.query(this.upsertSql('catalog_action', ['module', 'action'], ['name', 'configuration_action', 'carries_part_list']), [
        module,
        action,
        dto.name,
        dto.configurationAction ? 1 : 0,
        dto.carriesPartList ? 1 : 0,
      ]);
      await bumpVersions(em, this.db.dialect, [{ tenant: GLOBAL_TENANT, bucket: Bucket.Catalog }]);
      return { module, moduleName, action, name: dto.name, configurationAction: dto.configurationAction, carriesPartList: dto.carriesPartList };
    });
  }
}
