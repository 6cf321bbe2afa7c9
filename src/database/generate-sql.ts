/**
 * `@GenerateSql(...)` marks a repository method whose statements go into the committed SQL
 * snapshots (`sql/<dialect>/<repository>.sql`, written by `npm run sql:snapshot`, checked in CI),
 * so a query change shows in review beside the code that made it. immich's `@GenerateSql` is the
 * model. Each example is one call of the method with the given arguments, on an empty migrated
 * database. A method that takes the caller's EntityManager gets {@link SqlArg.em} in its example
 * and runs inside a transaction that is rolled back; a method that reads through `Database` (or
 * opens its own transaction) is called as it is. `explain: true` adds SQLite's `EXPLAIN QUERY PLAN` of each
 * statement (the hot read paths; deterministic on an empty database, unlike MariaDB's estimates).
 */
export interface SqlExample {
  /** Shown in the snapshot when a method has several examples (e.g. 'with configuratorId'). */
  name?: string;
  /** The method's arguments; {@link SqlArg.em} is replaced by the transaction's EntityManager. */
  params: readonly unknown[];
  explain?: boolean;
}

/** Placeholders the snapshot script replaces at call time. */
export const SqlArg = {
  /** The EntityManager of the (rolled back) transaction the example runs in. */
  em: Symbol('SqlArg.em'),
} as const;

export interface GeneratedSqlMethod {
  /** The repository class (the snapshot script gets its instance from Nest's container). */
  type: abstract new (...args: never[]) => unknown;
  repository: string;
  method: string;
  examples: SqlExample[];
}

const REGISTRY: GeneratedSqlMethod[] = [];

/** The decorated methods, in declaration order (the snapshot script reads them). */
export function generatedSqlMethods(): readonly GeneratedSqlMethod[] {
  return REGISTRY;
}

export function GenerateSql(...examples: SqlExample[]): MethodDecorator {
  return (target, key) => {
    if (examples.length === 0) throw new Error(`@GenerateSql on ${String(key)} needs at least one example`);
    const type = (target as { constructor: GeneratedSqlMethod['type'] }).constructor;
    REGISTRY.push({ type, repository: type.name, method: String(key), examples });
  };
}
