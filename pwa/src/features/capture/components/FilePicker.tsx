import { useRef, useState, type DragEvent } from "react";

/** Pick files, a whole folder, or drop either (folders are walked recursively). */
export function FilePicker({ onFiles }: { onFiles: (files: File[]) => void }) {
  const [over, setOver] = useState(false);
  const folderRef = useRef<HTMLInputElement>(null);

  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const entries = [...e.dataTransfer.items]
      .map((i) => i.webkitGetAsEntry?.())
      .filter((x): x is FileSystemEntry => !!x);
    const files = entries.length ? await walkEntries(entries) : [...e.dataTransfer.files];
    if (files.length) onFiles(files);
  };

  return (
    <div
      data-testid="drop-zone"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => void onDrop(e)}
      className={`flex flex-col items-center gap-3 rounded-xl border-2 border-dashed p-6 text-center ${over ? "border-teal-600 bg-teal-50" : "border-slate-300 bg-white"}`}
    >
      <p className="text-slate-600">Drop DICOM files or a folder here, or:</p>
      <div className="flex flex-wrap justify-center gap-3">
        <label className="cursor-pointer rounded bg-teal-700 px-4 py-2 font-semibold text-white">
          Pick files
          <input
            data-testid="file-input"
            type="file"
            multiple
            className="sr-only"
            onChange={(e) => {
              const files = [...(e.target.files ?? [])];
              e.target.value = "";
              if (files.length) onFiles(files);
            }}
          />
        </label>
        <label className="cursor-pointer rounded border border-teal-700 px-4 py-2 font-semibold text-teal-800">
          Pick a folder
          <input
            ref={(el) => {
              folderRef.current = el;
              el?.setAttribute("webkitdirectory", "");
            }}
            data-testid="folder-input"
            type="file"
            multiple
            className="sr-only"
            onChange={(e) => {
              const files = [...(e.target.files ?? [])];
              e.target.value = "";
              if (files.length) onFiles(files);
            }}
          />
        </label>
      </div>
    </div>
  );
}

async function walkEntries(entries: FileSystemEntry[]): Promise<File[]> {
  const out: File[] = [];
  const visit = async (entry: FileSystemEntry): Promise<void> => {
    if (entry.isFile) {
      out.push(await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej)));
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (!batch.length) break;
        for (const child of batch) await visit(child);
      }
    }
  };
  for (const e of entries) await visit(e);
  return out;
}
