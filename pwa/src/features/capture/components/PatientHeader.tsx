import type { Study } from "../../../lib/contract";
import { formatDicomDate, formatPersonName } from "../../../lib/format";

export function PatientHeader({ study }: { study: Study }) {
  const p = study.patient;
  const s = study.study;
  return (
    <div className="flex flex-col gap-0.5">
      <div className="text-lg font-semibold" data-testid="patient-name">
        {formatPersonName(p.name) || "Unnamed patient"}
      </div>
      <div className="text-sm text-slate-600">
        <span data-testid="patient-id">ID {p.id || "?"}</span>
        {p.sex && <> · {p.sex}</>}
        {p.birth_date && <> · born {formatDicomDate(p.birth_date)}</>}
      </div>
      <div className="text-sm text-slate-600" data-testid="study-summary">
        {formatDicomDate(s.date) || "no date"} · {(s.modalities ?? []).join(", ") || "?"}
        {s.description && <> · {s.description}</>}
        {s.accession_number && <> · acc. {s.accession_number}</>}
      </div>
    </div>
  );
}
