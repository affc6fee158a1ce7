/**
 * Index ranges of the shipped image corpora set aside for training the joint image-text encoder.
 *
 * The encoder must never see an image that an analysis split (train/val/unlabeled/test of a benchmark)
 * uses, or captions would be scored on memorised images. Benchmarks draw only from the analysis ranges;
 * the encoder trains only on the encoder ranges. Ranges are half-open `[start, end)` over the corpus
 * index, which is the `ids` of {@link loadMnist} / {@link loadFashionMnist} (MNIST: the 10k digits of
 * the `mnist` package; Fashion-MNIST: 60k train then 10k test). The packages ship one file per class;
 * the corpus interleaves classes (`stratifiedOrder`), so every range holds every class in proportion.
 * Select a range with `loadMnist({ part: 'encoder' })` or `takeRanges(corpus, RESERVED.mnist.encoder)`.
 *
 * @example
 * ```ts
 * const { start, end } = fd.RESERVED.mnist.encoder; // digits 8000..9999 train the encoder
 * ```
 */
export const RESERVED = {
  mnist: {
    analysis: { start: 0, end: 8000 },
    encoder: { start: 8000, end: 10000 },
  },
  fashionMnist: {
    /** Benchmarks use Fashion-MNIST train images 0..39999 and the 10k test images 60000..69999. */
    analysis: [
      { start: 0, end: 40000 },
      { start: 60000, end: 70000 },
    ],
    encoder: { start: 40000, end: 60000 },
  },
} as const;
