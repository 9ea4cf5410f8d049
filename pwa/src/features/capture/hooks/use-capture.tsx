/** One capture controller per signed-in user, alive for the whole app session. */
import { createContext, useContext, useEffect, useMemo, useRef, useSyncExternalStore, type ReactNode } from "react";
import { useUserData } from "../../../lib/user-context";
import { CaptureController, type CaptureState } from "../api/capture-controller";

const Ctx = createContext<CaptureController | null>(null);

export function CaptureProvider({ children }: { children: ReactNode }) {
  const { mainDb, openOutbox, user, engine } = useUserData();
  // The engine is replaced when the user signs in again; the capture queue must not be.
  const engineRef = useRef(engine);
  useEffect(() => {
    engineRef.current = engine;
  }, [engine]);
  const controller = useMemo(
    () =>
      new CaptureController({
        mainDb,
        openOutbox,
        username: user.username,
        clinic: user.clinic ?? "",
        kick: () => engineRef.current.kick(),
      }),
    [mainDb, openOutbox, user.username, user.clinic],
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
