import { Dexie, type DexieOptions, type EntityTable } from "dexie";
import { LocalDb, type MetaRow } from "./local-db.ts";
import { type Session, StoreOwnedByAnotherUser } from "./session-state.ts";
import { SyncEngine, type SyncEngineOptions } from "./sync-engine.ts";

/** A user who signed in on this browser profile, and the store that holds their data. */
export interface Account {
  userId: string;
  /** Lower-cased: how a login finds the user's store before the server says who it is. */
  email: string;
  name: string;
  dbName: string;
}

/** The store of the single-store releases: whoever logged in last owns it. */
export const legacyStoreName = "fieldsync";

class AccountsDb extends Dexie {
  accounts!: EntityTable<Account, "userId">;
  meta!: EntityTable<MetaRow, "key">;

  constructor(options?: DexieOptions) {
    super("fieldsync-accounts", options);
    this.version(1).stores({ accounts: "userId, email", meta: "key" });
  }
}

export interface AccountsOptions extends Omit<SyncEngineOptions, "db"> {
  /** IndexedDB implementation (tests pass fake-indexeddb's). */
  dexie?: DexieOptions;
}

/** The part of IDBFactory used here (typed apart: Node-only packages type-check this file too). */
interface DatabaseLister {
  databases(): Promise<{ name?: string }[]>;
}

const normalizeEmail = (email: string) => email.trim().toLowerCase();
const freshStoreName = () => `fieldsync-user-${crypto.randomUUID()}`;

/**
 * One local store per user on a shared device. Signing in opens (or creates) the user's own store
 * and makes it the active one; the previous user's session ends, but their store — data, outbox,
 * device identity — stays untouched and unseen until they sign in again, then syncs as before.
 * The page and the service worker both follow `active()`.
 */
export class Accounts {
  readonly db: AccountsDb;
  private adopted: Promise<void> | undefined;

  constructor(private readonly options: AccountsOptions) {
    this.db = new AccountsDb(options.dexie);
  }

  /** The last user who signed in here (signed out since or not); undefined before anyone did. */
  async active(): Promise<Account | undefined> {
    await this.adoptLegacyStore();
    const userId = (await this.db.meta.get("active"))?.value;
    return typeof userId === "string" ? this.db.accounts.get(userId) : undefined;
  }

  /** An engine on the account's own store; close `engine.store.db` when done with it. */
  open(account: Pick<Account, "dbName">): SyncEngine {
    const { dexie, ...engineOptions } = this.options;
    return new SyncEngine({ ...engineOptions, db: new LocalDb(account.dbName, dexie) });
  }

  /** Accounts with changes not yet on the server, for the login screen to name. */
  async unsynced(): Promise<{ account: Account; changes: number }[]> {
    await this.adoptLegacyStore();
    const found: { account: Account; changes: number }[] = [];
    for (const account of await this.db.accounts.orderBy("email").toArray()) {
      const db = new LocalDb(account.dbName, this.options.dexie);
      try {
        const changes = await db.outbox.count();
        if (changes > 0) found.push({ account, changes });
      } finally {
        db.close();
      }
    }
    return found;
  }

  /**
   * Logs in on the user's own store (a new one for a user new here) and makes it active. Throws
   * what the login throws (ApiError 401 for a wrong password, NetworkError offline).
   */
  async signIn(email: string, password: string): Promise<{ account: Account; engine: SyncEngine }> {
    await this.adoptLegacyStore();
    const known = await this.db.accounts.where("email").equals(normalizeEmail(email)).first();
    let { engine, session } = await this.loginInto(known?.dbName ?? freshStoreName(), email, password);
    const own = await this.db.accounts.get(session.user.id);
    if (own && own.dbName !== engine.store.db.name) {
      // A user whose email changed since they last signed in here: their store is the old one,
      // and the one just created for the new email holds nothing but that login.
      await engine.store.db.delete();
      ({ engine, session } = await this.loginInto(own.dbName, email, password));
    }
    const previous = await this.active();
    const account: Account = { userId: session.user.id, email: normalizeEmail(session.user.email), name: session.user.name, dbName: engine.store.db.name };
    await this.db.transaction("rw", [this.db.accounts, this.db.meta], async () => {
      // An email handed on to another user no longer leads to the old user's store.
      await this.db.accounts.where("email").equals(account.email).modify({ email: "" });
      await this.db.accounts.put(account);
      await this.db.meta.put({ key: "active", value: account.userId });
    });
    if (previous && previous.userId !== account.userId) await this.endSession(previous);
    return { account, engine };
  }

  /** Logs in on a store; one owned by someone else (an email now another user's) hands over to theirs. */
  private async loginInto(dbName: string, email: string, password: string): Promise<{ engine: SyncEngine; session: Session }> {
    const engine = this.open({ dbName });
    try {
      return { engine, session: await engine.login(email, password) };
    } catch (error) {
      engine.store.db.close();
      if (!(error instanceof StoreOwnedByAnotherUser)) throw error;
      return this.loginInto(freshStoreName(), email, password);
    }
  }

  /** The previous user's tokens go (whoever holds the device now must not sync as them); their work stays. */
  private async endSession(account: Account): Promise<void> {
    const db = new LocalDb(account.dbName, this.options.dexie);
    try {
      await db.meta.delete("session");
    } finally {
      db.close();
    }
  }

  /**
   * Releases before per-user stores kept everything in one store, `fieldsync`. Once, it is taken
   * as the store of the user it holds, so their unsynced changes survive the upgrade.
   */
  private adoptLegacyStore(): Promise<void> {
    this.adopted ??= (async () => {
      if (await this.db.meta.get("legacyAdopted")) return;
      const factory = (this.options.dexie?.indexedDB ?? (globalThis as { indexedDB?: unknown }).indexedDB) as DatabaseLister;
      const names = (await factory.databases()).map((database) => database.name);
      if (names.includes(legacyStoreName)) {
        const legacy = new LocalDb(legacyStoreName, this.options.dexie);
        try {
          const userId = await legacy.meta.get("userId");
          const session = (await legacy.meta.get("session"))?.value as Session | undefined;
          if (typeof userId?.value === "string") {
            const account = { userId: userId.value, email: normalizeEmail(session?.user.email ?? ""), name: session?.user.name ?? "", dbName: legacyStoreName };
            await this.db.accounts.put(account);
            if (!(await this.db.meta.get("active"))) await this.db.meta.put({ key: "active", value: account.userId });
          }
        } finally {
          legacy.close();
        }
      }
      await this.db.meta.put({ key: "legacyAdopted", value: true });
    })();
    return this.adopted;
  }
}
