export { reportPreviewGone, reportPreviewUp, readUpJson, deploymentUrl } from './pr-report.js';
export type { PrCommentInput, PrUncommentInput, UpJson } from './pr-report.js';
export { commentMarker, renderPrComment } from './pr-comment-body.js';
export type { PreviewOutcome } from './pr-preview.js';
