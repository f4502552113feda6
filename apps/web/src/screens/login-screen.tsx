import { ApiError, NetworkError } from "@fieldsync/sync-client";
import { type FormEvent, useState } from "react";
import { engine, requestPersistentStorage, scheduler, store } from "../app/runtime.ts";
import { useLiveQuery } from "../app/use-live-query.ts";

export function LoginScreen() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const pending = useLiveQuery(() => store.db.outbox.count(), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await engine.login(email.trim(), password);
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
      {pending ? (
        <p className="notice">
          {pending} change{pending === 1 ? "" : "s"} on this device are not synced yet. Log in as the same user to send them.
        </p>
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
