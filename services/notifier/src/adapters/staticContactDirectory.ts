import type { Contact, ContactDirectory } from '../ports.js';

/**
 * Contacts from configuration (`NOTIFIER_CONTACTS_JSON`). Good for a demo
 * deployment and tests; a bank would put an adapter over its customer system
 * behind the same port.
 */
export class StaticContactDirectory implements ContactDirectory {
  readonly #contacts: ReadonlyMap<string, Contact>;

  constructor(contacts: Readonly<Record<string, Contact>>) {
    this.#contacts = new Map(Object.entries(contacts));
  }

  async contactFor(accountId: string): Promise<Contact | undefined> {
    return this.#contacts.get(accountId);
  }
}
