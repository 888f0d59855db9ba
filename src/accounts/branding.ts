import type { AccountRow } from './store.js';

/** WCAG 2.x relative luminance of a #rrggbb colour. */
export function relativeLuminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(1 + i * 2, 3 + i * 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

/** WCAG contrast ratio of two #rrggbb colours, 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/**
 * Text on the primary colour (header, buttons, current tab): black or white, whichever contrasts
 * more. For every colour one of the two reaches at least 4.58:1, so WCAG AA (4.5:1) always holds
 * whatever the customer picked.
 */
export function textOnColor(hex: string): '#000000' | '#ffffff' {
  return contrastRatio(hex, '#000000') >= contrastRatio(hex, '#ffffff') ? '#000000' : '#ffffff';
}

/** The focus ring is drawn in the accent colour on white pages and on the primary header. */
export type BrandWarning = 'focusOnWhite' | 'focusOnPrimary' | 'linksOnWhite';
/** WCAG 2.2 non-text contrast (1.4.11) for the focus ring, text contrast for links. */
export function brandWarnings(primary: string, accent: string): BrandWarning[] {
  const warnings: BrandWarning[] = [];
  if (contrastRatio(accent, '#ffffff') < 3) warnings.push('focusOnWhite');
  if (contrastRatio(accent, primary) < 3) warnings.push('focusOnPrimary');
  if (contrastRatio(primary, '#ffffff') < 4.5) warnings.push('linksOnWhite');
  return warnings;
}

/** What pages brand themselves with, text colour on the primary colour included. */
export function pageBrandOf(account: AccountRow) {
  return {
    name: account.name,
    logo_url: account.logo_url,
    primary_color: account.primary_color,
    accent_color: account.accent_color,
    on_primary_color: textOnColor(account.primary_color),
    default_locale: account.default_locale,
  };
}
