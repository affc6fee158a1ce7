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

// ---- Issue 12: synthetic hard images (src/generate/). Public names for the lead to fold into the
// curated facade: the ImageGenerator interface and the shipped latent diffusion model, caption- and
// direction-level generation from failure directions, and the conditioning-space helpers.
export {
  imageGenerator,
  generateFromCaptions,
  generateAlongDirection,
  nounsForClass,
  DEFAULT_CLASS_NOUNS,
  encoderSpaceDirection,
  slerp,
  defaultGeneratorDir,
} from './generate';
export type {
  ImageGenerator,
  LoadedImageGenerator,
  ImageGeneratorOptions,
  GenerateOptions,
  GeneratorCondition,
  GeneratorConditioning,
  GeneratedImages,
  GenerateFromCaptionsOptions,
  GenerateAlongDirectionOptions,
  SteeringOptions,
  GeneratorEngineName,
} from './generate';
