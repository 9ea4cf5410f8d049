import { describe, expect, it } from "vitest";
import { parseRoute } from "../src/app/use-hash-route";
import { hashForUrl, notificationHash } from "../src/lib/links";

describe("role-based routes", () => {
  it("each role sees its own pages and lands on its home", () => {
    expect(parseRoute("", "clinician").page).toBe("capture");
    expect(parseRoute("", "radiologist").page).toBe("desk");
    expect(parseRoute("", "admin").page).toBe("admin");
    expect(parseRoute("#/desk", "clinician").page).toBe("capture");
    expect(parseRoute("#/capture", "radiologist").page).toBe("desk");
    expect(parseRoute("#/studies", "admin").page).toBe("admin");
    expect(parseRoute("#/inbox", "radiologist").page).toBe("inbox");
    expect(parseRoute("#/desk/demo/abc123456", "radiologist")).toEqual({ page: "desk", param: "demo", rest: ["demo", "abc123456"] });
    expect(parseRoute("#/reports/abc", "radiographer")).toMatchObject({ page: "reports", param: "abc" });
    expect(parseRoute("#/admin/health", "admin")).toMatchObject({ page: "admin", param: "health" });
  });
});

describe("links from pushes and notifications", () => {
  it("turns the bridge's paths into hash routes", () => {
    expect(hashForUrl("/studies/abc")).toBe("#/studies/abc");
    expect(hashForUrl("https://relay.example/reports/abc")).toBe("#/reports/abc");
    expect(hashForUrl("/desk/demo/abc/")).toBe("#/desk/demo/abc");
    expect(hashForUrl("/#/inbox")).toBe("#/inbox");
    expect(hashForUrl("/")).toBe("#/");
    expect(hashForUrl(undefined, "#/inbox")).toBe("#/inbox");
  });

  it("a notification without url goes by kind", () => {
    expect(notificationHash({ kind: "report_final", study_id: "s1", clinic: "demo" })).toBe("#/reports/s1");
    expect(notificationHash({ kind: "study_urgent", study_id: "s1", clinic: "demo" })).toBe("#/desk/demo/s1");
    expect(notificationHash({ kind: "study_failed", study_id: "s1", clinic: "demo" })).toBe("#/studies/s1");
    expect(notificationHash({ kind: "study_delivered", study_id: "s1", clinic: "demo", url: "/studies/s1" })).toBe("#/studies/s1");
  });
});
