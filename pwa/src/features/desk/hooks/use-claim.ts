import { useMemo, useState } from "react";
import { remoteDb } from "../../../lib/pouch";
import { useUserData } from "../../../lib/user-context";
import type { WorklistEntry } from "../../../lib/contract";
import type { Claim } from "../../../lib/contract";
import { claimStudy, ClaimError, releaseClaim, type ClaimOutcome } from "../api/claim-study";

export function useClaim(entry: WorklistEntry | undefined, signedIn: boolean) {
  const { mainDb, clinicDb, user } = useUserData();
  const remote = useMemo(() => (signedIn ? remoteDb(clinicDb) : null), [signedIn, clinicDb]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<ClaimOutcome | null>(null);
  const claim = async () => {
    if (!entry) return;
    if (!remote) {
      setError("Sign in again to claim studies.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setOutcome(await claimStudy(remote, mainDb, entry, user.username));
    } catch (err) {
      setError(err instanceof ClaimError ? err.message : "The claim could not be sent.");
    } finally {
      setBusy(false);
    }
  };
  const release = async (held: Claim | undefined) => {
    if (!remote || !held) {
      setError("Sign in again to give the study back.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setOutcome(await releaseClaim(remote, mainDb, held));
    } catch (err) {
      setError(err instanceof ClaimError ? err.message : "The release could not be sent.");
    } finally {
      setBusy(false);
    }
  };
  return { claim, release, busy, error, outcome };
}
