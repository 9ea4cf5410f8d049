/**
 * Editing a clinic's PACS destinations. The gateway replaces the list as a whole and never
 * shows stored secrets (`has_secret`), so a destination that keeps authenticating must have
 * its secret typed again before saving: `destinationProblems` says so instead of letting a
 * save silently drop it.
 */
import type { Destination, PublicDestination } from "./types";

export interface DestinationDraft extends Destination {
  /** The stored destination had a secret (not shown). */
  had_secret: boolean;
}

export const emptyDestination = (): DestinationDraft => ({
  name: "",
  kind: "orthanc",
  stow_url: "",
  auth: "none",
  username: "",
  secret: "",
  had_secret: false,
});

export function toDraft(d: PublicDestination): DestinationDraft {
  const { has_secret, ...rest } = d;
  return { ...rest, username: d.username ?? "", secret: "", had_secret: has_secret };
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;

export function destinationProblems(list: DestinationDraft[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  list.forEach((d, i) => {
    const label = d.name || `#${i + 1}`;
    if (!NAME.test(d.name)) problems.push(`${label}: the name is lower-case letters, digits, - or _ (at most 40).`);
    if (seen.has(d.name)) problems.push(`${label}: two destinations have this name.`);
    seen.add(d.name);
    if (!/^https?:\/\/\S+$/.test(d.stow_url.trim())) problems.push(`${label}: the STOW URL must start with http:// or https://.`);
    if (d.auth === "basic" && !d.username) problems.push(`${label}: basic auth needs a username.`);
    if (d.auth !== "none" && !d.secret) {
      problems.push(
        d.had_secret
          ? `${label}: type the ${d.auth === "basic" ? "password" : "token"} again (stored secrets are never shown, and saving replaces them).`
          : `${label}: ${d.auth} auth needs a ${d.auth === "basic" ? "password" : "token"}.`,
      );
    }
  });
  return problems;
}

export function fromDraft(d: DestinationDraft): Destination {
  const { had_secret: _had, ...rest } = d;
  return rest;
}
