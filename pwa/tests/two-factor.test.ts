import { describe, expect, it } from "vitest";
import { parseRoute } from "../src/app/use-hash-route";
import { ApiError, type RequestOptions } from "../src/lib/api-client";
import { groupSecret, totpApi, totpProblem } from "../src/features/auth/api/totp";

type Call = { path: string; options: Omit<RequestOptions, "token"> };

function fake(answers: Record<string, unknown>) {
  const calls: Call[] = [];
  const send = (async (path: string, options: Omit<RequestOptions, "token"> = {}) => {
    calls.push({ path, options });
    const answer = answers[path];
    if (answer instanceof Error) throw answer;
    return answer;
  }) as <T>(path: string, options?: Omit<RequestOptions, "token">) => Promise<T>;
  return { calls, api: totpApi(send) };
}

describe("two-factor sign-in API", () => {
  it("asks whether it is on, enrols, and confirms with the code as typed", async () => {
    const { calls, api } = fake({
      "/api/v1/auth/me": { username: "amina", totp_enabled: false },
      "/api/v1/auth/totp/enrol": { secret: "JBSWY3DPEHPK3PXP", otpauth_uri: "otpauth://totp/RelayPACS:amina?secret=JBSWY3DPEHPK3PXP" },
      "/api/v1/auth/totp/confirm": { recovery_codes: ["a1b2-c3d4", "e5f6-a7b8"] },
    });
    expect(await api.enabled()).toBe(false);
    expect((await api.enrol()).secret).toBe("JBSWY3DPEHPK3PXP");
    expect(await api.confirm(" 123 456 ")).toEqual(["a1b2-c3d4", "e5f6-a7b8"]);
    expect(calls.map((c) => `${c.options.method ?? "GET"} ${c.path}`)).toEqual([
      "GET /api/v1/auth/me",
      "POST /api/v1/auth/totp/enrol",
      "POST /api/v1/auth/totp/confirm",
    ]);
    expect(calls[2]!.options.body).toEqual({ code: "123456" });
  });

  it("shows the key in groups of four", () => {
    expect(groupSecret("JBSWY3DPEHPK3PXP")).toBe("JBSW Y3DP EHPK 3PXP");
    expect(groupSecret("ABCDEF")).toBe("ABCD EF");
    expect(groupSecret("ABCD")).toBe("ABCD");
  });

  it("says what went wrong in words", () => {
    expect(totpProblem(new ApiError(422, "totp_invalid", "the authenticator code is wrong"))).toMatch(/did not work/);
    expect(totpProblem(new ApiError(0, "network", "No connection to the server"))).toMatch(/No connection/);
    expect(totpProblem(new ApiError(400, "bad_request", "two-factor is already on; an administrator can reset it"))).toMatch(/already on/);
    expect(totpProblem(new TypeError("x"))).toMatch(/try again/);
  });

  it("every role reaches its account page", () => {
    for (const role of ["clinician", "radiographer", "radiologist", "admin"] as const) {
      expect(parseRoute("#/account", role).page).toBe("account");
    }
  });
});
