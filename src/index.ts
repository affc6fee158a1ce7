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

// ---- Issue 11: ONNX classifiers and encoders, CLIP from a folder, caption vocabularies ----------
// (one block for the lead to fold into the curated facade)
export { onnxClassifier, isOnnxClassifier } from './model/onnx-image-model';
export type { OnnxClassifier, OnnxClassifierOptions, OnnxModelOptions, OnnxImageInput } from './model/onnx-image-model';
export { imageTransform, transformImages, transformPixels, IMAGENET_MEAN, IMAGENET_STD, CLIP_MEAN, CLIP_STD } from './model/image-transform';
export type { ImageTransform, ImageTransformOptions, TransformPreset, Interpolation } from './model/image-transform';
export { onnxEncoder, onnxTensors } from './embed/onnx-encoder';
export type { OnnxEncoder, OnnxEncoderOptions, OnnxPooling } from './embed/onnx-encoder';
export { clipEncoder, loadTokenizerJson, CLIP_FOLDER_FORMAT } from './embed/clip-encoder';
export type { ClipEncoder, ClipEncoderOptions, ClipFolderConfig } from './embed/clip-encoder';
export { captionEmbeddings } from './embed/caption-embeddings';
export type { CaptionEmbeddings, CaptionEmbeddingsOptions } from './embed/caption-embeddings';
export { wordnetHyponyms, paperCaptionSlots, filterVocabulary, PAPER_ADJECTIVES, PAPER_DESCRIPTORS, PAPER_BACKGROUNDS, PAPER_ANCESTOR_PLACES, PAPER_CIFAR_PLACES } from './embed/caption-vocabulary';
export type { WordnetHyponymOptions, FilterVocabularyOptions, DroppedWord } from './embed/caption-vocabulary';
