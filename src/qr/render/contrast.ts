import type { QrDesign } from './design.js';

export type ContrastWarningCode = 'low_contrast' | 'inverted' | 'small_quiet_zone';

export interface ContrastWarning {
  code: ContrastWarningCode;
  message: string;
}

export interface ContrastReport {
  ok: boolean;
  /** WCAG contrast ratio between foreground and background, 1 to 21. */
  ratio: number;
  warnings: ContrastWarning[];
}

// Below 4:1 phone cameras in dim light or on glossy print start to miss modules.
const MIN_RATIO = 4;
const MIN_QUIET_ZONE = 2;

/** WCAG 2 relative luminance of #rrggbb. */
export function relativeLuminance(hex: string): number {
  const channel = (offset: number) => {
    const value = parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** Advice for the design form: the code still renders, but some phones may fail to read it. */
export function checkContrast(design: QrDesign): ContrastReport {
  const foreground = relativeLuminance(design.foreground ?? '#000000');
  const background = relativeLuminance(design.background ?? '#ffffff');
  const ratio = (Math.max(foreground, background) + 0.05) / (Math.min(foreground, background) + 0.05);
  const warnings: ContrastWarning[] = [];
  if (ratio < MIN_RATIO) {
    warnings.push({
      code: 'low_contrast',
      message: `Contrast between the colours is ${ratio.toFixed(1)}:1; use at least ${MIN_RATIO}:1 so every phone can read the code.`,
    });
  }
  if (foreground > background) {
    warnings.push({
      code: 'inverted',
      message: 'The foreground is lighter than the background; many scanners cannot read such inverted codes. Use a dark foreground on a light background.',
    });
  }
  const quietZone = design.quietZone ?? 4;
  if (quietZone < MIN_QUIET_ZONE) {
    warnings.push({
      code: 'small_quiet_zone',
      message: `A margin of ${quietZone} module${quietZone === 1 ? '' : 's'} is too small; scanners need at least ${MIN_QUIET_ZONE} (4 is best) to find the code.`,
    });
  }
  return { ok: warnings.length === 0, ratio: Math.round(ratio * 100) / 100, warnings };
}
