export { QrDesign, validateDesign, effectiveErrorCorrection, type DesignValidation, type ModuleStyle, type FinderStyle } from './design.js';
export { logoFromBytes, parseLogo, type Logo, type LogoResult } from './logo.js';
export { renderSvg, MIN_PIXEL_SIZE, MAX_PIXEL_SIZE, type PixelSize } from './svg.js';
export { renderPng } from './png.js';
export { renderPdf, MIN_PRINT_MM, MAX_PRINT_MM, type PrintSize } from './pdf.js';
export { checkContrast, relativeLuminance, type ContrastReport, type ContrastWarning, type ContrastWarningCode } from './contrast.js';
