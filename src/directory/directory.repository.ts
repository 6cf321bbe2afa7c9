import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../database/database.service';
import { GenerateSql, SqlArg } from '../database/generate-sql';
import { toBool, toInt } from '../database/values';

export interface CatalogRow {
  module: number;
  moduleName: string;
  /** null: a module without actions. */
  action: number | null;
  name: string | null;
  configurationAction: boolean;
  carriesPartList: boolean;
}

/** The SQL of the user directory (`directory_user`) and the action catalog (`catalog_module`, `catalog_action`). */
@Injectable()
export class DirectoryRepository {
  constructor(private readonly db: Database) {}

  @GenerateSql({ params: [SqlArg.em, { userId: 'user-1', email: 'a@example.com', statisticsConsent: true, updated: new Date('2026-05-20T12:00:00.000Z') }] })
  async upsertUser(em: EntityManager, u: { userId: string; email: string; statisticsConsent: boolean; updated: Date }): Promise<void> {
    await em.query(
      `INSERT INTO directory_user (user_id, email, statistics_consent, updated) VALUES (?, ?, ?, ?) ${this.db.sql.onConflict('directory_user', ['user_id'], { email: 'replace', statistics_consent: 'replace', updated: 'replace' })}`,
      [u.userId, u.email, u.statisticsConsent ? 1 : 0, this.db.sql.instant(u.updated)],
    );
  }

  /** Deletes the user's row; false when there was none (never known, or erased already). */
  @GenerateSql({ params: [SqlArg.em, 'user-1'] })
  async deleteUser(em: EntityManager, userId: string): Promise<boolean> {
    const known: unknown[] = await em.query('SELECT user_id FROM directory_user WHERE user_id = ?', [userId]);
    if (known.length === 0) return false;
    await em.query('DELETE FROM directory_user WHERE user_id = ?', [userId]);
    return true;
  }

  /** Every module with its actions (a module without actions: one row with action null), by module and action. */
  @GenerateSql({ params: [] })
  async catalogRows(): Promise<CatalogRow[]> {
    const rows: Array<Record<string, unknown>> = await this.db.read((em) =>
      em.query(
        `SELECT m.id AS module, m.name AS moduleName, a.action AS action, a.name AS name,
                a.configuration_action AS configurationAction, a.carries_part_list AS carriesPartList
           FROM catalog_module m LEFT JOIN catalog_action a ON a.module = m.id
          ORDER BY m.id, a.action`,
      ),
    );
    return rows.map((r) => ({
      module: toInt(r.module),
      moduleName: String(r.moduleName),
      action: r.action === null ? null : toInt(r.action),
      name: r.name === null ? null : String(r.name),
      configurationAction: toBool(r.configurationAction),
      carriesPartList: toBool(r.carriesPartList),
    }));
  }

  @GenerateSql({ params: [SqlArg.em, 3] })
  async moduleName(em: EntityManager, module: number): Promise<string | undefined> {
    const rows: Array<{ name: string }> = await em.query('SELECT name FROM catalog_module WHERE id = ?', [module]);
    return rows[0]?.name;
  }

  @GenerateSql({ params: [SqlArg.em, { module: 3, moduleName: 'Configurator', action: 1, name: 'view', configurationAction: true, carriesPartList: false }] })
  async upsertAction(
    em: EntityManager,
    a: { module: number; moduleName: string; action: number; name: string; configurationAction: boolean; carriesPartList: boolean },
  ): Promise<void> {
    await em.query(`INSERT INTO catalog_module (id, name) VALUES (?, ?) ${this.db.sql.onConflict('catalog_module', ['id'], { name: 'replace' })}`, [a.module, a.moduleName]);
    await em.query(
      `INSERT INTO catalog_action (module, action, name, configuration_action, carries_part_list) VALUES (?, ?, ?, ?, ?) ${this.db.sql.onConflict(
        'catalog_action',
        ['module', 'action'],
        { name: 'replace', configuration_action: 'replace', carries_part_list: 'replace' },
      )}`,
      [a.module, a.action, a.name, a.configurationAction ? 1 : 0, a.carriesPartList ? 1 : 0],
    );
  }
}
