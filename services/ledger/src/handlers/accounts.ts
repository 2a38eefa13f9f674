import { EntriesQuery, Identifier, OpenAccountRequest } from '@atm-ledger/contracts';
import {
  type Clock,
  type HttpEvent,
  type HttpResult,
  json,
  jsonOrNotFound,
  parseJsonBody,
  parsePathParameter,
  validationProblem,
} from '@atm-ledger/runtime';
import { openAccount } from '../application/openAccount.js';
import * as queries from '../application/queries.js';
import type { AccountRegistry, LedgerReader } from '../ports.js';

export interface AccountsDeps {
  readonly store: LedgerReader & AccountRegistry;
  readonly clock: Clock;
}

/** `POST /v1/accounts`: 201 when opened, 200 for the same account again, 409 (mapped at the edge) for other fields. */
export async function postAccount(deps: AccountsDeps, event: HttpEvent): Promise<HttpResult> {
  const body = parseJsonBody(event, OpenAccountRequest);
  if (!body.ok) return body.response;
  const { created, account } = await openAccount(deps, body.value);
  const view = queries.toAccountView(account);
  if (!created) return json(200, view);
  return json(201, view, { location: `/v1/accounts/${account.accountId}` });
}

/** `GET /v1/accounts/{accountId}`: balance, holds and what is available now. */
export async function getAccount(deps: AccountsDeps, event: HttpEvent): Promise<HttpResult> {
  const id = parsePathParameter(event, 'accountId', Identifier);
  if (!id.ok) return id.response;
  return jsonOrNotFound(queries.accountView(deps.store, id.value), `No account ${id.value}`);
}

/** `GET /v1/accounts/{accountId}/entries`: its history, oldest first, a page at a time. */
export async function getEntries(deps: AccountsDeps, event: HttpEvent): Promise<HttpResult> {
  const id = parsePathParameter(event, 'accountId', Identifier);
  if (!id.ok) return id.response;
  const query = EntriesQuery.safeParse(event.queryStringParameters ?? {});
  if (!query.success) return validationProblem(query.error, 'query');
  const page = queries.entriesPage(deps.store, id.value, query.data);
  return jsonOrNotFound(page, `No account ${id.value}`);
}
