import { Resvg } from '@resvg/resvg-js';
import type { QrDesign } from '../../../src/qr/render/index.js';

export const LOGO_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">' +
  '<rect width="100" height="100" rx="20" fill="#e63946"/>' +
  '<path d="M30 25h25a15 15 0 0 1 0 30H30zM30 55h28a15 15 0 0 1 0 30H30z" fill="#fff"/></svg>';

export const LOGO_PNG = new Resvg(LOGO_SVG, { fitTo: { mode: 'width', value: 128 } }).render().asPng();

export const pngLogoDataUrl = `data:image/png;base64,${LOGO_PNG.toString('base64')}`;
export const svgLogoDataUrl = `data:image/svg+xml;base64,${Buffer.from(LOGO_SVG).toString('base64')}`;

export const DESIGNS: Record<string, QrDesign> = {
  default: {},
  'coloured dark on light': { foreground: '#1D3557', background: '#F1FAEE', errorCorrection: 'Q' },
  'rounded modules, circle finders': { moduleStyle: 'rounded', finderStyle: 'circle', foreground: '#6a040f' },
  'dots, circle finders': { moduleStyle: 'dots', finderStyle: 'circle', quietZone: 2 },
  'PNG logo': { logo: pngLogoDataUrl, moduleStyle: 'rounded', finderStyle: 'rounded', foreground: '#003049' },
  'SVG logo': { logo: svgLogoDataUrl },
};
