export { contentTag, ensureImage } from './ensure-image.js';
export type { EnsuredImage, EnsureImageRequest, ImageContext } from './ensure-image.js';
export { engineAnswers, engineName, inspectImage, LOCAL_ENGINE } from './inspect-image.js';
export type { DockerEngine, ImageFacts } from './inspect-image.js';
export { planTransfers, transferImages } from './transfer-images.js';
export type { ImagePlan, TransferImagesRequest, TransferredImage } from './transfer-images.js';
