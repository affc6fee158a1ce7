/**
 * failure-directions: find where and why an image classifier fails, as directions in latent space
 * (Jain, Lawrence, Moitra, Madry, "Distilling Model Failures as Directions in Latent Space", ICLR 2023).
 *
 * The package root re-exports every concept; notebooks import only from here.
 */
export * from './matrix';
export * from './random';
export * from './progress';
export * from './data';
export * from './model';
export * from './embed';
export * from './svm';
export * from './directions';
export * from './metrics';
export * from './viz';

// --- Live widgets (issue 16): ipywidgets-compatible widgets over Jupyter comms, for the
// failure-directions kernel (tslab + comms, `kernel/setup.sh`). The widget `Label` stays in
// `./widgets` (the root's `Label` is the metrics label type); `HTML` does the same job.
export {
  Widget, DOMWidget, Layout, widgetProtocol, NoWidgetKernelError,
  IntSlider, FloatSlider, FloatLogSlider, Dropdown, HTML, Output, HBox, VBox,
  KernelInterruptedError, kernelHost, cSliderPanel, CSliderPanel,
} from './widgets';
export type {
  WidgetProtocol, WidgetChange, WidgetObserver, WidgetOptions, DOMWidgetOptions, LayoutProps, SliderOptions,
  FloatLogSliderOptions, DropdownOptions, DropdownOption, TextWidgetOptions, OutputRecord, BoxOptions, KernelHost,
  CSliderPanelOptions, CSliderPanelView,
} from './widgets';
