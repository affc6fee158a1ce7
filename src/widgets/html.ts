/**
 * Text widgets: `HTML` (a snippet of HTML, e.g. a status line or a style rule) and `Label` (plain text).
 */
import { DOMWidget, DOMWidgetOptions, ModelSpec } from './widget';

/** Options of {@link HTML} and {@link Label}. */
export interface TextWidgetOptions extends DOMWidgetOptions {
  value?: string;
  description?: string;
}

abstract class TextWidget extends DOMWidget {
  protected constructor(o: TextWidgetOptions, styleV2: string) {
    super({ value: o.value ?? '', description: o.description ?? '', placeholder: '\u200b' }, o, { v2: styleV2, props: { description_width: '' } });
  }

  /** The text (HTML for {@link HTML}). Setting it syncs to the front end. */
  get value(): string {
    return this.get<string>('value');
  }

  set value(s: string) {
    this.set({ value: String(s) });
  }
}

/**
 * Shows an HTML snippet (ipywidgets' `HTML`); scripts in it do not run.
 *
 * @example
 * ```ts
 * const status = new fd.HTML({ value: '<b>ready</b>' });
 * status.display();
 * status.value = '<b>refitting…</b>';
 * ```
 */
export class HTML extends TextWidget {
  constructor(opts: TextWidgetOptions = {}) {
    super(opts, 'HTMLStyleModel');
  }

  protected modelSpec(): ModelSpec {
    return { module: 'controls', model: 'HTMLModel', view: 'HTMLView' };
  }
}

/**
 * Shows plain text (ipywidgets' `Label`).
 *
 * @example
 * ```ts
 * new fd.Label({ value: 'C = 0.01' }).display();
 * ```
 */
export class Label extends TextWidget {
  constructor(opts: TextWidgetOptions = {}) {
    super(opts, 'LabelStyleModel');
  }

  protected modelSpec(): ModelSpec {
    return { module: 'controls', model: 'LabelModel', view: 'LabelView' };
  }
}
