/**
 * A dropdown selection (ipywidgets' `Dropdown`): options shown by label, the kernel side sees the
 * selected option's value. Protocol 1 syncs the selected label, protocol 2 the selected index.
 */
import { DOMWidget, DOMWidgetOptions, ModelSpec, WidgetChange } from './widget';

/** An option: its label, or a `[label, value]` pair. */
export type DropdownOption<T> = string | number | readonly [string, T];

/** Options of {@link Dropdown}. */
export interface DropdownOptions<T> extends DOMWidgetOptions {
  options: ReadonlyArray<DropdownOption<T>>;
  /** The selected value (default: the first option's). */
  value?: T;
  description?: string;
  disabled?: boolean;
}

/**
 * A dropdown. `value` is the selected option's value (its label for plain options), `index` its
 * position; both are observable.
 *
 * @example
 * ```ts
 * const cls = new fd.Dropdown({ options: [['digit 0-4', 0], ['digit 5-9', 1]], value: 0, description: 'class' });
 * cls.observe(({ new: c }) => console.log('class', c), 'value');
 * ```
 */
export class Dropdown<T = string | number> extends DOMWidget {
  private readonly values: T[];

  constructor(o: DropdownOptions<T>) {
    const caller = 'Dropdown';
    if (!o || !Array.isArray(o.options) || o.options.length === 0) throw new RangeError(`${caller}: options must be a non-empty array`);
    const labels: string[] = [];
    const values: T[] = [];
    o.options.forEach((opt, i) => {
      if (Array.isArray(opt)) {
        if (opt.length !== 2 || typeof opt[0] !== 'string') throw new TypeError(`${caller}: option ${i} must be a label or a [label, value] pair`);
        labels.push(opt[0]);
        values.push(opt[1] as T);
      } else if (typeof opt === 'string' || typeof opt === 'number') {
        labels.push(String(opt));
        values.push(opt as unknown as T);
      } else throw new TypeError(`${caller}: option ${i} must be a label or a [label, value] pair`);
    });
    const dup = labels.find((l, i) => labels.indexOf(l) !== i);
    if (dup !== undefined) throw new RangeError(`${caller}: two options have the label '${dup}' (labels identify options)`);
    let index = 0;
    if (o.value !== undefined) {
      index = values.findIndex((v) => Object.is(v, o.value));
      if (index < 0) throw new RangeError(`${caller}: value ${JSON.stringify(o.value)} is not one of the options' values`);
    }
    super({ _options_labels: labels, index, value: values[index], description: o.description ?? '', disabled: o.disabled ?? false }, o, {
      v2: 'DescriptionStyleModel',
      props: { description_width: '' },
    });
    this.values = values;
  }

  protected modelSpec(): ModelSpec {
    return { module: 'controls', model: 'DropdownModel', view: 'DropdownView' };
  }

  protected override toWire(name: string, value: unknown): [string, unknown] | null {
    if (name === 'value') return this.protocol === 1 ? ['value', this.get<string[]>('_options_labels')[this.get<number>('index')]] : null;
    if (name === 'index') return this.protocol === 2 ? ['index', value] : null;
    return super.toWire(name, value);
  }

  protected override fromWire(key: string, value: unknown): [string, unknown] | null {
    const labels = this.get<string[]>('_options_labels');
    if (this.protocol === 1 && key === 'value') {
      const i = labels.indexOf(String(value));
      return i < 0 ? null : ['index', i];
    }
    if (this.protocol === 2 && key === 'index') {
      return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < labels.length ? ['index', value] : null;
    }
    return super.fromWire(key, value);
  }

  protected override derive(changes: WidgetChange[]): WidgetChange[] {
    const c = changes.find((x) => x.name === 'index');
    if (!c) return [];
    const old = this.traits.value;
    const value = this.values[c.new as number];
    this.traits.value = value;
    return Object.is(old, value) ? [] : [{ name: 'value', old, new: value, owner: this }];
  }

  /** The selected option's value. Setting it selects the option with that value. */
  get value(): T {
    return this.get<T>('value');
  }

  set value(v: T) {
    const index = this.values.findIndex((x) => Object.is(x, v));
    if (index < 0) throw new RangeError(`Dropdown: value ${JSON.stringify(v)} is not one of the options' values`);
    this.set({ index, value: v });
  }

  /** The selected option's position. */
  get index(): number {
    return this.get<number>('index');
  }

  set index(i: number) {
    if (!Number.isInteger(i) || i < 0 || i >= this.values.length) throw new RangeError(`Dropdown: index must be in 0..${this.values.length - 1}, got ${i}`);
    this.set({ index: i, value: this.values[i] });
  }

  /** The option labels, in order. */
  get labels(): string[] {
    return [...this.get<string[]>('_options_labels')];
  }

  get disabled(): boolean {
    return this.get<boolean>('disabled');
  }

  set disabled(b: boolean) {
    this.set({ disabled: b });
  }
}
