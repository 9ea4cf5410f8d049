import { useEffect, useState, type FormEvent } from "react";
import { groupSecret, totpApi, totpProblem, type Enrolment, type TotpApi } from "../api/totp";
import { QrCode } from "./QrCode";

type Step =
  | { kind: "loading" }
  | { kind: "unknown" } // could not ask (offline): say so, claim nothing
  | { kind: "off" }
  | { kind: "on" }
  | { kind: "enrolling"; enrolment: Enrolment }
  | { kind: "codes"; codes: string[] };

const box = "flex flex-col gap-3 rounded-xl bg-white p-4 shadow-sm";
const primary = "self-start rounded bg-teal-700 px-4 py-2 font-semibold text-white disabled:opacity-50";

/** Turn on two-factor sign-in: link the authenticator app, prove it with a code, keep the
 *  recovery codes. Turning it off again is the administrator's (a lost phone). */
export function TwoFactorPanel({ api = totpApi() }: { api?: TotpApi }) {
  const [step, setStep] = useState<Step>({ kind: "loading" });
  const [code, setCode] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    api.enabled().then(
      (on) => {
        if (live) setStep({ kind: on ? "on" : "off" });
      },
      (err) => {
        if (!live) return;
        setStep({ kind: "unknown" });
        setProblem(totpProblem(err));
      },
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  async function attempt(work: () => Promise<Step>) {
    setBusy(true);
    setProblem(null);
    try {
      setStep(await work());
    } catch (err) {
      setProblem(totpProblem(err));
    } finally {
      setBusy(false);
    }
  }

  const confirm = (e: FormEvent) => {
    e.preventDefault();
    void attempt(async () => ({ kind: "codes", codes: await api.confirm(code) }));
  };

  return (
    <section className={box} data-testid="two-factor" data-state={step.kind}>
      <h2 className="text-lg font-semibold text-teal-900">Two-factor sign-in</h2>
      {step.kind === "loading" && <p className="text-sm text-slate-600">Checking…</p>}
      {step.kind === "on" && (
        <p className="text-sm text-slate-700">
          On: signing in asks for the code from your authenticator app. Lost the phone? Use a recovery code, or ask your
          administrator to reset it.
        </p>
      )}
      {step.kind === "off" && (
        <>
          <p className="text-sm text-slate-700">
            Off. With it on, your password alone is not enough to sign in: you also type the code your authenticator app
            shows.
          </p>
          <button data-testid="totp-start" className={primary} disabled={busy} onClick={() => void attempt(async () => ({ kind: "enrolling", enrolment: await api.enrol() }))}>
            Set up two-factor sign-in
          </button>
        </>
      )}
      {step.kind === "enrolling" && (
        <form onSubmit={confirm} className="flex flex-col gap-3" noValidate>
          <p className="text-sm text-slate-700">
            1. Add RelayPACS to your authenticator app: scan this code with it, or on this phone{" "}
            <a data-testid="totp-link" href={step.enrolment.otpauth_uri} className="font-semibold text-teal-800 underline">
              open it in the app
            </a>
            , or type the key below into it.
          </p>
          <QrCode text={step.enrolment.otpauth_uri} label="QR code to scan with your authenticator app" />
          <code data-testid="totp-secret" className="select-all break-words rounded bg-slate-100 px-3 py-2 text-base tracking-wider">
            {groupSecret(step.enrolment.secret)}
          </code>
          <label className="flex flex-col gap-1 text-sm font-medium">
            2. Type the code the app shows now
            <input
              data-testid="totp-code"
              name="totp"
              inputMode="numeric"
              autoComplete="one-time-code"
              className="max-w-40 rounded border border-slate-300 px-3 py-2 text-base tracking-widest"
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
          </label>
          <button data-testid="totp-confirm" type="submit" className={primary} disabled={busy || code.replace(/\s+/g, "").length < 6}>
            Turn on
          </button>
        </form>
      )}
      {step.kind === "codes" && (
        <>
          <p className="text-sm text-slate-700">
            Two-factor sign-in is on. Keep these recovery codes somewhere safe, away from your phone: each signs you in once
            if the phone is lost. They are shown only now.
          </p>
          <ul data-testid="recovery-codes" className="grid grid-cols-1 gap-1 whitespace-nowrap font-mono text-base sm:grid-cols-2">
            {step.codes.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
          <button data-testid="totp-done" className={primary} onClick={() => setStep({ kind: "on" })}>
            I have saved them
          </button>
        </>
      )}
      {problem && (
        <p role="alert" data-testid="totp-problem" className="rounded bg-rose-50 px-3 py-2 text-sm text-rose-800">
          {problem}
        </p>
      )}
    </section>
  );
}
