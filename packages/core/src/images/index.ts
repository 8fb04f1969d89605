export { contentTag, ensureImage } from './ensure-image.js';
export type { EnsuredImage, EnsureImageRequest, ImageContext } from './ensure-image.js';
