import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An index for one configurator's rows of an action in time order: `configurations` with
 * `configuratorId` (its CSV export, its pages and the counts of its partial edge days) reads
 * the configurator's rows instead of walking every row of the action in the range and dropping
 * the others (docs/performance.md, "configurations with configuratorId").
 */
export class LabelIndex1764800000000 implements MigrationInterface {
  name = 'LabelIndex1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX ix_user_action_tenant_module_action_label_created ON user_action (tenant, module, action, action_label, created)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX ix_user_action_tenant_module_action_label_created');
  }
}
