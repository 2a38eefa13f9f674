import { LedgerApiClient } from '@atm-ledger/harness';
import type { LocalCloud } from '@atm-ledger/local-cloud';

/**
 * The local cloud's HTTP API through the traffic tools' client, with its
 * bearer token: the status and the JSON body as a record. `cloud` is read at
 * call time, so a suite can build this before its `beforeAll` starts the cloud.
 */
export function cloudApi(cloud: () => Pick<LocalCloud, 'apiUrl' | 'token'>) {
  return async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const { apiUrl, token } = cloud();
    const response = await new LedgerApiClient(apiUrl, { kind: 'bearer', token }).request(
      method,
      path,
      body,
    );
    return { status: response.status, body: (response.body ?? {}) as Record<string, unknown> };
  };
}
