/** What the sync engine shows the rest of the app (a small external store). */
import type { StudyId } from "../contract";

export type StudyPhase = "draft" | "waiting" | "sending" | "sent" | "freed" | "elsewhere";

export interface StudySync {
  studyId: StudyId;
  phase: StudyPhase;
  totalBytes: number;
  sentBytes: number;
  error?: string;
  freedBytes?: number;
  freedAt?: string;
}

export type MainState = "off" | "connecting" | "active" | "idle" | "error" | "signed-out";

export interface SyncState {
  online: boolean;
  main: MainState;
  lastError?: string;
  lastChangeAt?: string;
  studies: Record<StudyId, StudySync>;
  /** Sealed studies with chunks not yet on the server. */
  pending: number;
  pendingBytes: number;
}

export const initialSyncState = (online: boolean): SyncState => ({
  online,
  main: "off",
  studies: {},
  pending: 0,
  pendingBytes: 0,
});

export class Store<T> {
  private listeners = new Set<() => void>();
  constructor(private value: T) {}
  get = (): T => this.value;
  set(update: Partial<T> | ((v: T) => T)): void {
    this.value = typeof update === "function" ? update(this.value) : { ...this.value, ...update };
    for (const l of this.listeners) l();
  }
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}
