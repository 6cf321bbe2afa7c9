import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './openapi-types';

/**
 * A typed client of the service, generated from the committed openapi.json (openapi-typescript
 * types in ./openapi-types.ts, `npm run client:generate`) on openapi-fetch: what another team
 * gets from the document, used by the contract suite to call every route. No casts: part lists,
 * CSV (parseAs: 'text') and error bodies all come out typed from the document.
 */
/** JSON is the default answer; CSV is asked for per call (`format: 'csv'` or Accept) with `parseAs: 'text'`. */
export type StatisticsClient = Client<paths, 'application/json'>;
export type ErrorBody = components['schemas']['ErrorResponseDto'];
export type UserActionEvent = components['schemas']['UserActionEventDto'];
export type ConfigurationStatistic = components['schemas']['ConfigurationStatisticDto'];

export interface ClientOptions {
  /** A bearer token sent on every call (a call may override the Authorization header). */
  token?: string;
  /** openapi-fetch middleware, e.g. the contract suite's response validator. */
  middleware?: Middleware[];
}

/** `baseUrl`: the service's origin, e.g. `http://127.0.0.1:3000` (the paths carry /v2/statistics). */
export function createStatisticsClient(baseUrl: string, opts: ClientOptions = {}): StatisticsClient {
  const client = createClient<paths, 'application/json'>({
    baseUrl,
    headers: opts.token ? { Authorization: `Bearer ${opts.token}` } : {},
  });
  for (const m of opts.middleware ?? []) client.use(m);
  return client;
}
