/** One capture controller per signed-in user, alive for the whole app session. */
import { createContext, useContext, useMemo, useSyncExternalStore, type ReactNode } from "react";
import { useUserData } from "../../../lib/user-context";
import { CaptureController, type CaptureState } from "../api/capture-controller";

const Ctx = createContext<CaptureController | null>(null);

export function CaptureProvider({ children }: { children: ReactNode }) {
  const { mainDb, openOutbox, user, engine } = useUserData();
  const controller = useMemo(
    () =>
      new CaptureController({
        mainDb,
        openOutbox,
        username: user.username,
        clinic: user.clinic ?? "",
        kick: () => engine.kick(),
      }),
    [mainDb, openOutbox, user.username, user.clinic, engine],
  );
  return <Ctx.Provider value={controller}>{children}</Ctx.Provider>;
}

export function useCaptureController(): CaptureController {
  const c = useContext(Ctx);
  if (!c) throw new Error("useCaptureController outside CaptureProvider");
  return c;
}

export function useCaptureState(): CaptureState {
  const c = useCaptureController();
  return useSyncExternalStore(c.store.subscribe, c.store.get, c.store.get);
}
