/** Who the caller is, as proven by the JWT. */
export interface Principal {
  sub: string;
  /** tenant id (as string) → rights on that tenant, e.g. { "2": ["TENANT_STATISTICS"] } */
  rights: Record<string, string[]>;
  scopes: string[];
}

export const TENANT_STATISTICS = 'TENANT_STATISTICS';
export const INGEST_SCOPE = 'statistics:ingest';
