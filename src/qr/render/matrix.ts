import QRCode from 'qrcode';
import type { ErrorCorrectionLevel } from '../content/payload-capacity.js';

/** The symbol's modules, row-major (index y * size + x). Quiet zone not included. */
export interface ModuleMatrix {
  version: number;
  size: number;
  /** 1 = dark. */
  dark: Uint8Array;
  /** 1 = function pattern (finder, timing, alignment, format, version): carries no data. */
  reserved: Uint8Array;
}

/**
 * The smallest version that holds the payload, but at least `minVersion` (a larger symbol
 * of the same payload, for designs that need room). Throws when the payload does not fit
 * at this level: callers check fitsInQrCode first.
 */
export function buildMatrix(payload: string, level: ErrorCorrectionLevel, minVersion = 1): ModuleMatrix {
  const code = QRCode.create(payload, { errorCorrectionLevel: level });
  return code.version < minVersion ? buildMatrixAtVersion(payload, level, minVersion) : fromQrCode(code);
}

/** Exactly this version, which the caller knows holds the payload. */
export function buildMatrixAtVersion(payload: string, level: ErrorCorrectionLevel, version: number): ModuleMatrix {
  return fromQrCode(QRCode.create(payload, { errorCorrectionLevel: level, version }));
}

function fromQrCode(code: QRCode.QRCode): ModuleMatrix {
  return { version: code.version, size: code.modules.size, dark: code.modules.data, reserved: code.modules.reservedBit };
}
