import { PreevyError } from '@preevy/core';

const DENIED = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired', 'Forbidden', 'AllAccessDisabled']);
const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

const CREDENTIAL_SOURCES =
  'The AWS SDK looks for credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), then AWS_PROFILE in ~/.aws/credentials and ~/.aws/config, then web identity (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE), then the container or instance role.';
const PERMISSIONS = 'The identity needs s3:GetObject, s3:PutObject and s3:DeleteObject on the prefix, and s3:ListBucket on the bucket for that prefix.';

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

const networkCode = (err: unknown): string | undefined => {
  for (let e = err as SdkError | undefined, depth = 0; e && depth < 4; e = e.cause as SdkError | undefined, depth++) {
    if (e.code && NETWORK.has(e.code)) return e.code;
    if (e.name === 'TimeoutError') return 'timeout';
  }
  return undefined;
};

/** An S3 SDK error as a PreevyError that says what to do; never includes credentials (the SDK's messages do not carry them). */
export const s3Error = (err: unknown, location: string): PreevyError => {
  if (err instanceof PreevyError) return err;
  const e = (err ?? {}) as SdkError;
  const name = e.name ?? 'Error';
  const bucket = /^s3:\/\/([^/]+)/.exec(location)?.[1] ?? location;
  if (name === 'NoSuchBucket') {
    return new PreevyError(`The bucket "${bucket}" of ${location} does not exist.`, {
      code: 'S3_BUCKET_NOT_FOUND',
      kind: 'not-found',
      suggestions: [`Create it first (e.g. \`aws s3 mb s3://${bucket}\`), or check the bucket name in the URL.`, 'With an S3-compatible store, check that ?endpoint= points at it.'],
      cause: err,
    });
  }
  if (DENIED.has(name) || (e.$metadata?.httpStatusCode === 403 && !name.startsWith('Precondition'))) {
    return new PreevyError(`S3 refused the credentials for ${location} (${name}).`, {
      code: 'S3_ACCESS_DENIED',
      kind: 'invalid-input',
      suggestions: [
        name === 'AccessDenied' ? PERMISSIONS : 'Check that the access key exists and that its secret key matches (a wrong secret gives SignatureDoesNotMatch).',
        CREDENTIAL_SOURCES,
        "With ?region=, the URL's region must be the bucket's.",
      ],
      cause: err,
    });
  }
  if (name === 'CredentialsProviderError') {
    return new PreevyError(`No AWS credentials were found to reach ${location}.`, {
      code: 'S3_CREDENTIALS_MISSING',
      kind: 'invalid-input',
      suggestions: [CREDENTIAL_SOURCES],
      cause: err,
    });
  }
  if (/region is missing/i.test(e.message ?? '')) {
    return new PreevyError(`No AWS region is known for ${location}.`, {
      code: 'S3_REGION_MISSING',
      kind: 'invalid-input',
      suggestions: ["Add ?region=REGION to the profile URL (the bucket's region), or set AWS_REGION."],
      cause: err,
    });
  }
  const network = networkCode(err);
  if (network) {
    return new PreevyError(`The S3 endpoint of ${location} did not answer (${network}).`, {
      code: 'S3_UNREACHABLE',
      kind: 'unavailable',
      suggestions: ['Check the network, and with an S3-compatible store that ?endpoint= names a running server.', 'Retry when it answers.'],
      cause: err,
    });
  }
  return new PreevyError(`S3 request for ${location} failed: ${name}${e.message && e.message !== name ? `: ${e.message}` : ''}.`, {
    code: 'S3_REQUEST_FAILED',
    kind: 'unavailable',
    suggestions: ['Retry; if it persists, run with --debug to see the S3 error.'],
    cause: err,
  });
};
