import { type Account, ApiError, NetworkError } from "@fieldsync/sync-client";
import { type FormEvent, useEffect, useState } from "react";
import { accounts, engine, requestPersistentStorage, scheduler } from "../app/runtime.ts";

const changes = (count: number) => `${count} unsynced change${count === 1 ? "" : "s"}`;

export function LoginScreen() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [unsynced, setUnsynced] = useState<{ account: Account; changes: number }[]>([]);
  useEffect(() => void accounts.unsynced().then(setUnsynced), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const signedIn = await accounts.signIn(email.trim(), password);
      signedIn.engine.store.db.close();
      if (signedIn.account.dbName !== engine.store.db.name) {
        // Another user's store: the page starts over on it (nothing of the previous user stays in memory).
        location.reload();
        return;
      }
      void requestPersistentStorage();
      void scheduler.request();
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 401) setError("Wrong email or password.");
      else if (caught instanceof NetworkError) setError("Cannot reach the server. Logging in needs a connection once.");
      else setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <img src="/icons/icon-192.png" alt="" width={72} height={72} />
      <h1>Fieldsync</h1>
      <p className="muted">Asset Manager for field technicians</p>
      {unsynced.length ? (
        <div className="notice" role="status">
          {unsynced.map(({ account, changes: count }) => (
            <p key={account.userId}>
              {account.name || account.email} has {changes(count)} on this device; {count === 1 ? "it stays here and syncs" : "they stay here and sync"}{" "}
              when {account.name || account.email} signs in again.
            </p>
          ))}
          <p>Everyone who signs in here sees only their own data.</p>
        </div>
      ) : null}
      <form className="form" onSubmit={submit}>
        <div className="field">
          <label htmlFor="login-email">Email</label>
          <input id="login-email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="login-password">Password</label>
          <input
            id="login-password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
      </form>
    </main>
  );
}
