import { useEffect, useState } from "react";
import { dismissUndo, useUndoOffer } from "../app/undo.ts";

/** How long an undo is offered; the time stops while the pointer or focus is on the snackbar. */
const offeredMs = 10_000;

/** The snackbar offering to undo the last completion. */
export function UndoToast() {
  const offer = useUndoOffer();
  const [held, setHeld] = useState(false);
  useEffect(() => {
    if (!offer || held) return;
    const timer = setTimeout(() => dismissUndo(offer), offeredMs);
    return () => clearTimeout(timer);
  }, [offer, held]);

  return (
    <div className="snackbar-slot" role="status" aria-live="polite">
      {offer ? (
        <div
          className="snackbar"
          onPointerEnter={() => setHeld(true)}
          onPointerLeave={() => setHeld(false)}
          onFocus={() => setHeld(true)}
          onBlur={() => setHeld(false)}
        >
          <span>{offer.message}</span>
          <button
            onClick={() => {
              dismissUndo(offer);
              setHeld(false);
              void offer.undo();
            }}
          >
            Undo
          </button>
        </div>
      ) : null}
    </div>
  );
}
