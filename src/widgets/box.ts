/**
 * Containers: `HBox` lays children out in a row, `VBox` in a column (ipywidgets' boxes).
 */
import { DOMWidget, DOMWidgetOptions, ModelSpec, Widget } from './widget';

/** Options of {@link HBox} and {@link VBox}. */
export interface BoxOptions extends DOMWidgetOptions {
  /** Predefined look: `''` (none), `'success'`, `'info'`, `'warning'`, `'danger'`. */
  boxStyle?: '' | 'success' | 'info' | 'warning' | 'danger';
}

abstract class Box extends DOMWidget {
  protected constructor(children: Widget[], o: BoxOptions) {
    for (const [i, c] of children.entries()) {
      if (!(c instanceof Widget)) throw new TypeError(`${new.target.name}: child ${i} is not a widget (got ${typeof c})`);
    }
    super({ children: [...children], box_style: o.boxStyle ?? '' }, o);
  }

  /** The child widgets, in order. Setting them syncs to the front end. */
  get children(): Widget[] {
    return [...this.get<Widget[]>('children')];
  }

  set children(c: Widget[]) {
    this.set({ children: [...c] });
  }
}

/**
 * A row of widgets.
 *
 * @example
 * ```ts
 * new fd.HBox([new fd.IntSlider(), new fd.Label({ value: 'items' })]).display();
 * ```
 */
export class HBox extends Box {
  constructor(children: Widget[] = [], opts: BoxOptions = {}) {
    super(children, opts);
  }

  protected modelSpec(): ModelSpec {
    return { module: 'controls', model: 'HBoxModel', view: 'HBoxView' };
  }
}

/**
 * A column of widgets.
 *
 * @example
 * ```ts
 * new fd.VBox([new fd.HTML({ value: '<b>title</b>' }), new fd.IntSlider()]).display();
 * ```
 */
export class VBox extends Box {
  constructor(children: Widget[] = [], opts: BoxOptions = {}) {
    super(children, opts);
  }

  protected modelSpec(): ModelSpec {
    return { module: 'controls', model: 'VBoxModel', view: 'VBoxView' };
  }
}
