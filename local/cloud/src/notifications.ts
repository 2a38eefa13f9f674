import { readFile } from 'node:fs/promises';
import { AccountId } from '@atm-ledger/contracts';
import type { HttpHandler } from '@atm-ledger/local-aws';
import { Notification } from '@atm-ledger/notifier';
import { type HttpEvent, type HttpResult, json, validationProblem } from '@atm-ledger/runtime';
import * as z from 'zod';

/** The route key to register under the gateway's `localRoutes`. */
export const LOCAL_NOTIFICATIONS_ROUTE = 'GET /local/notifications';

const Query = z.object({ accountId: AccountId });

export interface LocalNotificationsRouteOptions {
  /** The JSONL file the local notifiers append to (`NOTIFIER_JSONL_PATH`). */
  readonly path: string;
}

/**
 * `GET /local/notifications?accountId=A`: what the local notifiers "sent" to
 * an account, read from their JSONL file, oldest first. In AWS the same
 * notifications go out by email or SMS and there is no such route.
 */
export function makeLocalNotificationsRoute(options: LocalNotificationsRouteOptions): HttpHandler {
  return async (event: HttpEvent): Promise<HttpResult> => {
    const query = Query.safeParse(event.queryStringParameters ?? {});
    if (!query.success) return validationProblem(query.error, 'query string');
    const items = (await readNotifications(options.path)).filter(
      (n) => n.accountId === query.data.accountId,
    );
    return json(200, { items });
  };
}

/** Every well-formed line of the file; none if it does not exist yet. */
export async function readNotifications(path: string): Promise<Notification[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const out: Notification[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // The last line may be an append still in progress.
      continue;
    }
    const parsed = Notification.safeParse(value);
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}
