/**
 * Which ground-truth subgroups are the *minority* of their class: the subpopulations the base model
 * saw least of in training, which the failure directions are supposed to surface.
 */

/** A split's labels and ground-truth groups (an `ImageDataset` fits). */
export interface GroupedLabels {
  labels: ArrayLike<number>;
  groups?: ArrayLike<string>;
  name?: string;
}

/** The minority groups of each class, as found by {@link minorityGroups}. */
export interface MinorityGroups {
  /** Per class label: the minority group names (empty when the class has a single group). */
  byClass: Map<number, string[]>;
  /** Per class label and group: the group's share of the class in the reference split. */
  share: Map<number, Map<string, number>>;
}

function splitName(s: GroupedLabels): string {
  return s.name ? `split '${s.name}'` : 'the split';
}

/**
 * Finds, per class, the group(s) with the smallest share of that class in `train` (ties share the
 * title). Groups that appear in any of `others` (val, test, ...) but never in `train` have share 0,
 * so a subclass dropped from training entirely is still found. A class with one group has no minority.
 *
 * @example
 * ```ts
 * const minority = minorityGroups(splits.train, [splits.test]);
 * const mask = minorityMask(splits.test, minority); // 1 where a test image is in its class's minority
 * ```
 */
export function minorityGroups(train: GroupedLabels, others: GroupedLabels[] = []): MinorityGroups {
  const counts = new Map<number, Map<string, number>>();
  const classTotal = new Map<number, number>();
  const add = (split: GroupedLabels, count: boolean) => {
    if (!split.groups) throw new TypeError(`minorityGroups: ${splitName(split)} has no groups (ground-truth subgroup per image)`);
    if (split.groups.length !== split.labels.length) {
      throw new RangeError(`minorityGroups: ${splitName(split)} has ${split.groups.length} groups for ${split.labels.length} labels`);
    }
    for (let i = 0; i < split.labels.length; i++) {
      const c = split.labels[i];
      const g = split.groups[i];
      let m = counts.get(c);
      if (!m) counts.set(c, (m = new Map()));
      m.set(g, (m.get(g) ?? 0) + (count ? 1 : 0));
      if (count) classTotal.set(c, (classTotal.get(c) ?? 0) + 1);
    }
  };
  add(train, true);
  for (const o of others) add(o, false);

  const byClass = new Map<number, string[]>();
  const share = new Map<number, Map<string, number>>();
  for (const c of Array.from(counts.keys()).sort((a, b) => a - b)) {
    const m = counts.get(c)!;
    const total = classTotal.get(c) ?? 0;
    const s = new Map<string, number>();
    for (const [g, n] of m) s.set(g, total > 0 ? n / total : 0);
    share.set(c, s);
    if (m.size < 2) {
      byClass.set(c, []);
      continue;
    }
    let lo = Infinity;
    for (const v of s.values()) lo = Math.min(lo, v);
    byClass.set(c, Array.from(s.keys()).filter((g) => s.get(g) === lo).sort());
  }
  return { byClass, share };
}

/**
 * 1 where an example's group is a minority group of its class, else 0.
 *
 * @example
 * ```ts
 * const isMinority = minorityMask(splits.test, minorityGroups(splits.train, [splits.test]));
 * ```
 */
export function minorityMask(split: GroupedLabels, minority: MinorityGroups): Uint8Array {
  if (!split.groups) throw new TypeError(`minorityMask: ${splitName(split)} has no groups`);
  const out = new Uint8Array(split.labels.length);
  for (let i = 0; i < out.length; i++) {
    const gs = minority.byClass.get(split.labels[i]);
    out[i] = gs && gs.includes(split.groups[i]) ? 1 : 0;
  }
  return out;
}
