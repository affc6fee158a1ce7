/**
 * The public surface is deliberate: this pins every name the package root exports (values and
 * types), read from `src/index.ts` by the TypeScript compiler. Adding, removing or renaming a public
 * name means editing the list below in the same change.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as ts from 'typescript';
import * as fd from '../src/index';

const PUBLIC = `
  init show
  loadMnist loadFashionMnist coloredMnist ColoredMnistOptions ColoredMnistSplits hiddenSubclass
  HiddenSubclassOptions HiddenSubclassSplits imageFolder fromManifest ManifestReport UNLABELED LoadReport
  readPredictionsCsv subset
  classVocabulary
  encodeLabels
  concatDatasets ImageDataset DatasetSplits
  ensureBackend backendName trainClassifier TrainClassifierOptions predict predictArrays saveModel loadModel
  Keras3FormatError
  embed modelEncoder jointEncoder zeroShotClassify loadNpy saveNpy loadNpz Encoder JointEncoder
  LinearSVC crossValidateC
  analyze Analysis AnalyzeOptions splitInput SplitInput FailureDirections FailureDirectionsOptions
  ScoresTable ofClass hardest easiest captionCandidates rankCaptions retrieveByCaption fillCaption
  CAPTION_TEMPLATE evaluateRanking selectFromPool upweight
  imageGenerator ImageGenerator GenerateOptions GeneratorCondition LoadedImageGenerator
  generateFromCaptions generateAlongDirection GeneratedImages
  auroc averagePrecision precisionAtKScore balancedAccuracy groupAccuracy worstGroupAccuracy
  Figure scoreHistogram projectionPlot cSweepPlot cSliderPlot precisionAtKPlot captionPlot imageStrip
  Matrix Random progress NotFittedError
  DominoSlicer DominoSlicerOptions maxSoftmax predictionEntropy spuriousAttribute SpuriousAttributeOptions
  SpuriousAttributeSplits rareSubclass RareSubclassOptions RareSubclassSplits
  clipRetrievalFolder npyShards scoreShards scoresDb selectFromPoolStream retrieveByCaptionStream StreamSource
  ScoreShardsOptions ScoreShardsResult ScoresDb
  onnxClassifier OnnxClassifier OnnxClassifierOptions imageTransform ImageTransformOptions onnxEncoder onnxTensors
  OnnxEncoder OnnxEncoderOptions clipEncoder ClipEncoder ClipEncoderOptions captionEmbeddings CaptionEmbeddings
  wordnetHyponyms paperCaptionSlots filterVocabulary
  cSliderPanel CSliderPanel CSliderPanelOptions IntSlider FloatSlider FloatLogSlider Dropdown HTML Label Output
  HBox VBox Widget WidgetChange
`;

/** Every export of src/index.ts (values and types), as the compiler sees them. */
function exportedNames(): string[] {
  const file = path.join(__dirname, '..', 'src', 'index.ts');
  // The names are syntactic (explicit re-exports): no need to resolve and check the whole package.
  const program = ts.createProgram([file], { noResolve: true, noLib: true, types: [], noEmit: true });
  const checker = program.getTypeChecker();
  const symbol = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
  return checker.getExportsOfModule(symbol).map((s) => s.name);
}

describe('public API surface', () => {
  it('exports exactly the pinned names', () => {
    const pinned = PUBLIC.split(/\s+/).filter(Boolean).sort();
    assert.equal(new Set(pinned).size, pinned.length, 'the pinned list has a duplicate');
    assert.deepEqual(exportedNames().sort(), pinned);
  });
  it('every value export is defined at run time', () => {
    for (const [name, value] of Object.entries(fd)) assert.notEqual(value, undefined, name);
    assert.ok(Object.keys(fd).length >= 50, `${Object.keys(fd).length} runtime exports`);
  });
});
