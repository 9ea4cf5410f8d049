/** The DICOM attributes (PS3.6) read in the browser, in dicom-parser's `xggggeeee` form. */
export const TAG = {
  mediaStorageSopClassUid: "x00020002",
  transferSyntaxUid: "x00020010",
  sopClassUid: "x00080016",
  sopInstanceUid: "x00080018",
  studyDate: "x00080020",
  studyTime: "x00080030",
  accessionNumber: "x00080050",
  modality: "x00080060",
  studyDescription: "x00081030",
  seriesDescription: "x0008103e",
  patientName: "x00100010",
  patientId: "x00100020",
  patientBirthDate: "x00100030",
  patientSex: "x00100040",
  studyInstanceUid: "x0020000d",
  seriesInstanceUid: "x0020000e",
  seriesNumber: "x00200011",
  instanceNumber: "x00200013",
  samplesPerPixel: "x00280002",
  photometricInterpretation: "x00280004",
  planarConfiguration: "x00280006",
  numberOfFrames: "x00280008",
  rows: "x00280010",
  columns: "x00280011",
  bitsAllocated: "x00280100",
  bitsStored: "x00280101",
  pixelRepresentation: "x00280103",
  windowCenter: "x00281050",
  windowWidth: "x00281051",
  rescaleIntercept: "x00281052",
  rescaleSlope: "x00281053",
  pixelData: "x7fe00010",
} as const;

export const DICOMDIR_SOP_CLASS = "1.2.840.10008.1.3.10";

/** Transfer syntaxes whose pixel data is stored raw, so a preview can be drawn. */
export const UNCOMPRESSED_SYNTAXES: Record<string, { littleEndian: boolean }> = {
  "1.2.840.10008.1.2": { littleEndian: true },
  "1.2.840.10008.1.2.1": { littleEndian: true },
  "1.2.840.10008.1.2.2": { littleEndian: false },
};

export const DEFLATED_SYNTAX = "1.2.840.10008.1.2.1.99";
