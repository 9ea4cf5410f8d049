export function Feedback({ message, error }: { message?: string | null; error?: string | null }) {
  return (
    <>
      {message && (
        <p data-testid="admin-message" className="text-sm text-emerald-800">
          {message}
        </p>
      )}
      {error && (
        <p data-testid="admin-error" role="alert" className="text-sm text-rose-700">
          {error}
        </p>
      )}
    </>
  );
}

export const input = "rounded border border-slate-300 px-2 py-1 text-sm";
export const button = "rounded border border-teal-700 px-2 py-1 text-sm text-teal-800 disabled:opacity-50";
export const primary = "rounded bg-teal-700 px-3 py-1.5 text-sm font-semibold text-white disabled:opacity-50";
export const th = "px-3 py-2";
