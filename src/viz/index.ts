export * from './figure';
export { init, show, showHtml, showMarkdown, publish, setDisplayWriter, inNotebook, notebookProgressSink, isDisplayable, inspectDisplayable } from './display';
export type { MimeBundle, DisplayMessage, DisplayWriter, Displayable, ShowOptions } from './display';
export { tableHtml, tableText, tableBundle, formatNumber, formatCell, isTable } from './table-html';
export type { TableLike, TableViewOptions } from './table-html';
export { imageStrip, ImageStrip } from './image-strip';
export type { ImageSource, ImageStripOptions } from './image-strip';
export { figureSvg, figurePng } from './figure-preview';
export type { PreviewSpec } from './figure-preview';
