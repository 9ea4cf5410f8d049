// The small part of dicom-parser 1.8 this app uses (the package ships no types).
declare module "dicom-parser" {
  export interface Element {
    tag: string;
    vr?: string;
    length: number;
    dataOffset: number;
    hadUndefinedLength?: boolean;
    items?: { dataSet?: DataSet }[];
    fragments?: unknown[];
  }
  export interface DataSet {
    byteArray: Uint8Array;
    elements: Record<string, Element>;
    string(tag: string, index?: number): string | undefined;
    uint16(tag: string, index?: number): number | undefined;
    int16(tag: string, index?: number): number | undefined;
    uint32(tag: string, index?: number): number | undefined;
    intString(tag: string, index?: number): number | undefined;
    floatString(tag: string, index?: number): number | undefined;
  }
  export interface ParseOptions {
    untilTag?: string;
    TransferSyntaxUID?: string;
    inflater?: (byteArray: Uint8Array, position: number) => Uint8Array;
  }
  export function parseDicom(byteArray: Uint8Array, options?: ParseOptions): DataSet;
  const dicomParser: { parseDicom: typeof parseDicom };
  export default dicomParser;
}
