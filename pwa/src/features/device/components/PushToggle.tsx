import { useState } from "react";
import { ApiError } from "../../../lib/api-client";
import { enablePush, pushSupported } from "../api/push";

export function PushToggle() {
  const [state, setState] = useState<string | null>(null);
  if (!pushSupported()) return null;
  return (
    <div className="flex items-center gap-2 text-sm">
      <button
        data-testid="enable-push"
        className="rounded border border-teal-700 px-3 py-1 text-teal-800"
        onClick={() =>
          void enablePush()
            .then((s) => setState(s === "on" ? "Push notifications are on." : s === "denied" ? "Notifications are blocked in the browser settings." : "Not available here."))
            .catch((err) =>
              setState(
                err instanceof ApiError && err.status === 404
                  ? "Push notifications are not set up on this server; the inbox still shows everything."
                  : "Could not turn on push notifications (are you online?).",
              ),
            )
        }
      >
        Turn on push notifications
      </button>
      {state && <span className="text-slate-600">{state}</span>}
    </div>
  );
}
