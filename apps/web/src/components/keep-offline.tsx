import { useState } from "react";
import { engine } from "../app/runtime.ts";
import { useLiveQuery } from "../app/use-live-query.ts";

/**
 * Selective sync: the sites whose assets (with their tasks and schedules) this device keeps
 * offline. Location prefixes, comma-separated; empty keeps everything.
 */
export function KeepOffline() {
  const current = useLiveQuery(() => engine.subscription(), []);
  const [draft, setDraft] = useState<string | null>(null);
  const [state, setState] = useState<"idle" | "saving" | "error">("idle");
  const shown = draft ?? current?.locations?.join(", ") ?? "";

  const save = async () => {
    const locations = shown.split(",").map((l) => l.trim()).filter(Boolean);
    setState("saving");
    try {
      await engine.setSubscription(locations.length ? { locations } : {});
      setDraft(null);
      setState("idle");
    } catch {
      setState("error");
    }
  };

  return (
    <form
      className="card"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <label>
        Keep offline: sites (location prefixes, comma-separated; empty = everything)
        <input value={shown} onChange={(event) => setDraft(event.target.value)} placeholder="e.g. Basement, Roof" />
      </label>
      <button type="submit" disabled={state === "saving"}>
        {state === "saving" ? "Updating…" : "Save"}
      </button>
      {state === "error" ? <p className="error">Could not change what is kept offline; try again when online.</p> : null}
    </form>
  );
}
