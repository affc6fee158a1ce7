/**
 * failure-directions: find where and why an image classifier fails, as directions in latent space
 * (Jain, Lawrence, Moitra, Madry, "Distilling Model Failures as Directions in Latent Space", ICLR 2023).
 *
 * The public names, grouped as the folders of `src/` are, in the order data flows through them.
 * This list is deliberate (test/api-surface.test.ts pins it); every other building block is in
 * `failure-directions/internal`, without a stability promise.
 */

// Notebook set-up and display (viz/display): first cell `fd.init()`.
export { init, show } from './viz/display';

// data/: real image splits and benchmarks with known failure modes; your own images and predictions.
export { loadMnist } from './data/load-mnist';
export { loadFashionMnist } from './data/load-fashion-mnist';
export { coloredMnist } from './data/colored-mnist';
export type { ColoredMnistOptions, ColoredMnistSplits } from './data/colored-mnist';
export { hiddenSubclass } from './data/hidden-subclass';
export type { HiddenSubclassOptions, HiddenSubclassSplits } from './data/hidden-subclass';
// Harder benchmarks: a minority under 10% of its class that the model gets partly right.
export { spuriousAttribute } from './data/spurious-attribute';
export type { SpuriousAttributeOptions, SpuriousAttributeSplits } from './data/spurious-attribute';
export { rareSubclass } from './data/rare-subclass';
export type { RareSubclassOptions, RareSubclassSplits } from './data/rare-subclass';
export { imageFolder } from './data/image-folder';
export { fromManifest } from './data/from-manifest';
export type { ManifestReport } from './data/from-manifest';
export { UNLABELED } from './data/subset';
export type { LoadReport } from './data/decode-images';
export { readPredictionsCsv } from './data/predictions-csv';
// One class vocabulary for every loader: the rule behind imageFolder, fromManifest
// and readPredictionsCsv, for label arrays read elsewhere (e.g. a .npy of labels).
export { classVocabulary, encodeLabels } from './data/class-vocabulary';
export { subset, concatDatasets } from './data/subset';
export type { ImageDataset, DatasetSplits } from './data/image-dataset';

// model/: classifiers to analyse.
export { ensureBackend, backendName } from './model/backend';
export { trainClassifier } from './model/train-classifier';
export type { TrainClassifierOptions } from './model/train-classifier';
export { predict, predictArrays } from './model/predict';
export { saveModel, loadModel } from './model/model-io';
export { Keras3FormatError } from './model/keras-format';
// Any image classifier exported to ONNX (e.g. from PyTorch), with its training-time preprocessing.
export { onnxClassifier } from './model/onnx-image-model';
export type { OnnxClassifier, OnnxClassifierOptions } from './model/onnx-image-model';
export { imageTransform } from './model/image-transform';
export type { ImageTransformOptions } from './model/image-transform';

// embed/: latent spaces (the model's own layers, the shipped joint image-text encoder, .npy files).
export { embed } from './embed/embed';
export { modelEncoder } from './embed/model-encoder';
export { jointEncoder } from './embed/joint-encoder';
export { zeroShotClassify } from './embed/zero-shot';
export { loadNpy, saveNpy, loadNpz } from './embed/npy';
export type { Encoder, JointEncoder } from './embed/encoder';
// ONNX encoders (any named tensor), CLIP from a local folder, text embeddings computed elsewhere,
// caption vocabularies as the paper builds them.
export { onnxEncoder, onnxTensors } from './embed/onnx-encoder';
export type { OnnxEncoder, OnnxEncoderOptions } from './embed/onnx-encoder';
export { clipEncoder } from './embed/clip-encoder';
export type { ClipEncoder, ClipEncoderOptions } from './embed/clip-encoder';
export { captionEmbeddings } from './embed/caption-embeddings';
export type { CaptionEmbeddings } from './embed/caption-embeddings';
export { wordnetHyponyms, paperCaptionSlots, filterVocabulary } from './embed/caption-vocabulary';

// svm/: the linear SVM behind every direction (liblinear's dual coordinate descent).
export { LinearSVC } from './svm/linear-svc';
export { crossValidateC } from './svm/cross-validate';

// directions/: the method — fit, score, caption, act.
export { analyze } from './directions/analyze';
export type { Analysis, AnalyzeOptions } from './directions/analyze';
export { splitInput } from './directions/split-input';
export type { SplitInput } from './directions/split-input';
export { FailureDirections } from './directions/failure-directions';
export type { FailureDirectionsOptions } from './directions/failure-directions';
export type { ScoresTable } from './directions/scores-table';
export { ofClass, hardest, easiest } from './directions/table-views';
export { captionCandidates, rankCaptions, retrieveByCaption, fillCaption, CAPTION_TEMPLATE } from './directions/captions';
export { evaluateRanking } from './directions/evaluate-ranking';
export { selectFromPool } from './directions/select-from-pool';
export { upweight } from './directions/upweight';
// The peers a ranking is compared with: Domino's slicer (Eyuboglu et al., ICLR 2022) and the
// label-free uncertainty baselines. End-to-end experiments: the subpath `failure-directions/experiments`.
export { DominoSlicer } from './directions/domino-slicer';
export type { DominoSlicerOptions } from './directions/domino-slicer';
export { maxSoftmax, predictionEntropy } from './directions/baselines';

// generate/: synthetic hard images — a text-conditioned latent diffusion generator (the shipped
// model, or any ImageGenerator), steered by failure directions at caption and direction level.
export { imageGenerator } from './generate/image-generator';
export type { ImageGenerator, GenerateOptions, GeneratorCondition, LoadedImageGenerator } from './generate/image-generator';
export { generateFromCaptions, generateAlongDirection } from './generate/from-directions';
export type { GeneratedImages } from './generate/from-directions';

// stream/: millions of rows out of core — shards in (clip-retrieval folders, .npy shards), Parquet
// scores out, DuckDB-backed queries returning Arquero tables.
export { clipRetrievalFolder, npyShards, scoreShards, scoresDb, selectFromPoolStream, retrieveByCaptionStream } from './stream';
export type { StreamSource, ScoreShardsOptions, ScoreShardsResult, ScoresDb } from './stream';

// metrics/: ranking and group metrics (scikit-learn's definitions).
export { auroc } from './metrics/auroc';
export { averagePrecision } from './metrics/average-precision';
export { precisionAtKScore } from './metrics/precision-at-k';
export { balancedAccuracy } from './metrics/balanced-accuracy';
export { groupAccuracy, worstGroupAccuracy } from './metrics/group-accuracy';

// viz/: figures take tables and column names (Observable Plot style) and return Plotly figures.
export { Figure } from './viz/figure';
export { scoreHistogram } from './viz/score-histogram';
export { projectionPlot } from './viz/projection-plot';
export { cSweepPlot } from './viz/c-sweep-plot';
export { cSliderPlot } from './viz/c-slider-plot';
export { precisionAtKPlot } from './viz/precision-at-k-plot';
export { captionPlot } from './viz/caption-plot';
export { imageStrip } from './viz/image-strip';

// widgets/: live widgets over Jupyter comms, in the failure-directions kernel (tslab with comms,
// registered by kernel/setup.sh or `npx failure-directions-kernel install`).
export { cSliderPanel } from './widgets/c-slider-panel';
export type { CSliderPanel, CSliderPanelOptions } from './widgets/c-slider-panel';
export { IntSlider, FloatSlider, FloatLogSlider } from './widgets/slider';
export { Dropdown } from './widgets/dropdown';
export { HTML, Label } from './widgets/html';
export { Output } from './widgets/output';
export { HBox, VBox } from './widgets/box';
export { Widget } from './widgets/widget';
export type { WidgetChange } from './widgets/widget';

// util/: shared by everything above.
export type { Matrix } from './util/matrix';
export { Random } from './util/random';
export { progress } from './util/progress';
export { NotFittedError } from './util/errors';
