/**
 * Slider widgets: integer, float, and float on a log scale (the value moves by a constant factor per
 * step, as regularisation strengths do). Values are clamped to `[min, max]` whichever side sets them.
 */
import { Label } from './html';
import { DOMWidget, DOMWidgetOptions, ModelSpec, WidgetProtocol, widgetProtocol } from './widget';

/** Options of {@link IntSlider} and {@link FloatSlider}. */
export interface SliderOptions extends DOMWidgetOptions {
  value?: number;
  min?: number;
  max?: number;
  step?: number;
  /** Text left of the slider. */
  description?: string;
  disabled?: boolean;
  /** Send values while dragging (true) or only on release. Default true. */
  continuousUpdate?: boolean;
  orientation?: 'horizontal' | 'vertical';
  /** Show the value next to the slider. Default true. */
  readout?: boolean;
  /** d3-format of the readout (`'d'` for ints, `'.2f'` for floats by default). */
  readoutFormat?: string;
}

function checkRange(caller: string, min: number, max: number, step: number): void {
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(min <= max)) throw new RangeError(`${caller}: need finite min <= max, got min ${min}, max ${max}`);
  if (!(step > 0) || !Number.isFinite(step)) throw new RangeError(`${caller}: step must be a positive number, got ${step}`);
}

/** A readout with 3 significant digits (d3's '.3g' without trailing zeros): 0.01, 3.16e-5, 250. */
export function readout3(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(3)));
  const [m, e] = v.toExponential(2).split('e');
  return `${m.replace(/\.?0+$/, '')}e${e.replace('+', '')}`;
}

/** log_base(v), exact for powers of 10 when base is 10. */
function logOf(v: number, base: number): number {
  return base === 10 ? Math.log10(v) : Math.log(v) / Math.log(base);
}

function clamp(v: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, v));
}

abstract class NumberSlider extends DOMWidget {
  protected constructor(
    kind: 'Int' | 'Float',
    o: SliderOptions,
    defaults: { step: number; readoutFormat: string },
  ) {
    const caller = `${kind}Slider`;
    const min = o.min ?? 0;
    const max = o.max ?? 100;
    const step = o.step ?? defaults.step;
    checkRange(caller, min, max, step);
    if (kind === 'Int' && ![min, max, step].every(Number.isInteger)) throw new RangeError(`${caller}: min, max and step must be integers, got ${min}, ${max}, ${step}`);
    const v0 = o.value ?? min;
    if (!Number.isFinite(v0)) throw new RangeError(`${caller}: value must be a finite number, got ${o.value}`);
    super(
      {
        value: clamp(kind === 'Int' ? Math.round(v0) : v0, min, max),
        min,
        max,
        step,
        description: o.description ?? '',
        disabled: o.disabled ?? false,
        continuous_update: o.continuousUpdate ?? true,
        orientation: o.orientation ?? 'horizontal',
        readout: o.readout ?? true,
        readout_format: o.readoutFormat ?? defaults.readoutFormat,
        _range: false,
      },
      o,
      { v1: kind === 'Int' ? 'SliderStyleModel' : undefined, v2: 'SliderStyleModel', props: (o.protocol ?? widgetProtocol()) === 2 ? { description_width: '' } : {} },
    );
  }

  protected modelSpec(): ModelSpec {
    return { module: 'controls', model: `${this.constructor === IntSlider ? 'Int' : 'Float'}SliderModel`, view: `${this.constructor === IntSlider ? 'Int' : 'Float'}SliderView` };
  }

  protected override toWire(name: string, value: unknown): [string, unknown] | null {
    if (name === '_range') return this.protocol === 1 ? [name, value] : null;
    return super.toWire(name, value);
  }

  protected override fromWire(key: string, value: unknown): [string, unknown] | null {
    if (key === 'value') {
      const v = Number(value);
      if (!Number.isFinite(v)) return null;
      const min = this.get<number>('min');
      const max = this.get<number>('max');
      return ['value', clamp(this.constructor === IntSlider ? Math.round(v) : v, min, max)];
    }
    return super.fromWire(key, value);
  }

  /** The current value. Setting it syncs to the front end and runs observers. */
  get value(): number {
    return this.get<number>('value');
  }

  set value(v: number) {
    if (!Number.isFinite(v)) throw new RangeError(`${this.constructor.name}: value must be a finite number, got ${v}`);
    this.set({ value: clamp(this.constructor === IntSlider ? Math.round(v) : v, this.get<number>('min'), this.get<number>('max')) });
  }

  get min(): number {
    return this.get<number>('min');
  }

  get max(): number {
    return this.get<number>('max');
  }

  get description(): string {
    return this.get<string>('description');
  }

  set description(s: string) {
    this.set({ description: s });
  }

  get disabled(): boolean {
    return this.get<boolean>('disabled');
  }

  set disabled(b: boolean) {
    this.set({ disabled: b });
  }
}

/**
 * An integer slider (ipywidgets' `IntSlider`).
 *
 * @example
 * ```ts
 * const k = new fd.IntSlider({ value: 8, min: 1, max: 30, description: 'K' });
 * k.observe(({ new: v }) => console.log('K =', v), 'value');
 * k.display();
 * ```
 */
export class IntSlider extends NumberSlider {
  constructor(opts: SliderOptions = {}) {
    super('Int', opts, { step: 1, readoutFormat: 'd' });
  }
}

/**
 * A float slider (ipywidgets' `FloatSlider`).
 *
 * @example
 * ```ts
 * new fd.FloatSlider({ value: 0.5, min: 0, max: 1, step: 0.01, description: 'threshold' }).display();
 * ```
 */
export class FloatSlider extends NumberSlider {
  constructor(opts: SliderOptions = {}) {
    super('Float', opts, { step: 0.1, readoutFormat: '.2f' });
  }
}

/** Options of {@link FloatLogSlider}: `min`, `max` and `step` are exponents of `base`. */
export interface FloatLogSliderOptions extends DOMWidgetOptions {
  /** The value itself (not its exponent). Default `base ** min`. */
  value?: number;
  /** Smallest exponent (default 0). */
  min?: number;
  /** Largest exponent (default 4). */
  max?: number;
  /** Exponent step (default 0.1). */
  step?: number;
  base?: number;
  description?: string;
  disabled?: boolean;
  continuousUpdate?: boolean;
  readout?: boolean;
  /** d3-format of the readout under protocol 2 (default `'.3g'`); protocol 1 shows 3 significant digits. */
  readoutFormat?: string;
}

/**
 * A slider whose value is `base ** x` for an exponent `x` in `[min, max]` (ipywidgets'
 * `FloatLogSlider`): equal steps multiply the value by the same factor. The value can be any number in
 * `[base ** min, base ** max]`.
 *
 * Protocol 2 front ends have the model natively. The ipywidgets-6 front end has none, so under
 * protocol 1 the view is a box of a float slider over the exponent (without its own readout) and a
 * label showing the value; `value`, observers and the API are the same.
 *
 * @example
 * ```ts
 * const C = new fd.FloatLogSlider({ value: 0.01, min: -6, max: 2, step: 0.05, description: 'C' });
 * C.observe(({ new: c }) => dirs.refit(0, c as number), 'value');
 * ```
 */
export class FloatLogSlider extends DOMWidget {
  private readonly exponentSlider: FloatSlider | null;
  private readonly readoutLabel: Label | null;
  private settingExponent = false;

  constructor(o: FloatLogSliderOptions = {}) {
    const caller = 'FloatLogSlider';
    const base = o.base ?? 10;
    if (!(base > 0) || base === 1 || !Number.isFinite(base)) throw new RangeError(`${caller}: base must be a positive number other than 1, got ${base}`);
    const min = o.min ?? 0;
    const max = o.max ?? 4;
    const step = o.step ?? 0.1;
    checkRange(caller, min, max, step);
    const lo = base ** min;
    const hi = base ** max;
    const v0 = o.value ?? lo;
    if (!(v0 > 0) || !Number.isFinite(v0)) throw new RangeError(`${caller}: value must be a positive number, got ${o.value}`);
    const value = clamp(v0, Math.min(lo, hi), Math.max(lo, hi));
    const protocol = o.protocol ?? widgetProtocol();
    const traits: Record<string, unknown> = {
      value,
      min,
      max,
      step,
      base,
      description: o.description ?? '',
      disabled: o.disabled ?? false,
      continuous_update: o.continuousUpdate ?? true,
      orientation: 'horizontal',
      readout: o.readout ?? true,
      readout_format: o.readoutFormat ?? '.3g',
    };
    let exponentSlider: FloatSlider | null = null;
    let readoutLabel: Label | null = null;
    if (protocol === 1) {
      exponentSlider = new FloatSlider({
        protocol,
        value: logOf(value, base),
        min,
        max,
        step,
        description: o.description,
        disabled: o.disabled,
        continuousUpdate: o.continuousUpdate,
        readout: false,
      });
      readoutLabel = new Label({ protocol, value: o.readout === false ? '' : readout3(value), layout: { min_width: '5em' } });
      traits.children = [exponentSlider, readoutLabel];
    }
    super(traits, { ...o, protocol }, { v2: 'SliderStyleModel', props: { description_width: '' } });
    this.exponentSlider = exponentSlider;
    this.readoutLabel = readoutLabel;
    if (exponentSlider) {
      exponentSlider.observe(({ new: x }) => {
        if (this.settingExponent) return undefined;
        const v = this.get<number>('base') ** (x as number);
        const old = this.get<number>('value');
        if (v === old) return undefined;
        this.traits.value = v;
        this.updateReadout();
        return this.applyFrontendChanges([{ name: 'value', old, new: v, owner: this }]);
      }, 'value');
    }
  }

  protected modelSpec(protocol: WidgetProtocol): ModelSpec {
    return protocol === 1 ? { module: 'controls', model: 'HBoxModel', view: 'HBoxView' } : { module: 'controls', model: 'FloatLogSliderModel', view: 'FloatLogSliderView' };
  }

  protected override toWire(name: string, value: unknown): [string, unknown] | null {
    if (this.protocol === 1) return name === 'children' || name === 'layout' || name === '_dom_classes' ? super.toWire(name, value) : null;
    return super.toWire(name, value);
  }

  protected override fromWire(key: string, value: unknown): [string, unknown] | null {
    if (key === 'value') {
      const v = Number(value);
      if (!(v > 0) || !Number.isFinite(v)) return null;
      return ['value', this.clampValue(v)];
    }
    return super.fromWire(key, value);
  }

  private clampValue(v: number): number {
    const a = this.get<number>('base') ** this.get<number>('min');
    const b = this.get<number>('base') ** this.get<number>('max');
    return clamp(v, Math.min(a, b), Math.max(a, b));
  }

  private updateReadout(): void {
    if (this.readoutLabel && this.get<boolean>('readout')) this.readoutLabel.value = readout3(this.get<number>('value'));
  }

  /** The value (`base ** exponent`). Setting it syncs and runs observers. */
  get value(): number {
    return this.get<number>('value');
  }

  set value(v: number) {
    if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`FloatLogSlider: value must be a positive number, got ${v}`);
    const value = this.clampValue(v);
    if (this.exponentSlider) {
      // Move the exponent slider without running the front-end path above, then report the change once.
      this.settingExponent = true;
      try {
        this.exponentSlider.set({ value: logOf(value, this.get<number>('base')) });
      } finally {
        this.settingExponent = false;
      }
    }
    this.set({ value });
    this.updateReadout();
  }

  get base(): number {
    return this.get<number>('base');
  }

  /** The exponent range `[min, max]`. */
  get min(): number {
    return this.get<number>('min');
  }

  get max(): number {
    return this.get<number>('max');
  }

  get disabled(): boolean {
    return this.get<boolean>('disabled');
  }

  set disabled(b: boolean) {
    this.set({ disabled: b });
    if (this.exponentSlider) this.exponentSlider.disabled = b;
  }

  get description(): string {
    return this.get<string>('description');
  }

  set description(s: string) {
    this.set({ description: s });
    if (this.exponentSlider) this.exponentSlider.description = s;
  }

  override close(): void {
    super.close();
    this.exponentSlider?.close();
    this.readoutLabel?.close();
  }
}

