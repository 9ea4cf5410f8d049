import { useInstallPrompt } from "../hooks/use-install-prompt";

export function InstallButton() {
  const { canInstall, install } = useInstallPrompt();
  if (!canInstall) return null;
  return (
    <button data-testid="install-button" onClick={() => void install()} className="rounded bg-white/15 px-3 py-1 text-sm font-semibold text-white ring-1 ring-white/40">
      Install app
    </button>
  );
}
