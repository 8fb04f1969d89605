import { PreevyError } from '@preevy/core';

interface AwsLikeError {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  code?: string;
}

const codeOf = (err: unknown): string => {
  const e = err as AwsLikeError;
  return e?.Code ?? e?.name ?? e?.code ?? '';
};

/** The IAM action of an EC2 API command name, e.g. `RunInstancesCommand` → `ec2:RunInstances`. */
export const iamActionOf = (command: string): string => `ec2:${command.replace(/Command$/, '')}`;

/**
 * An EC2 API failure as the user can act on it, naming what the driver was doing and, for a
 * refusal, the IAM action to allow. Credentials never appear in the message.
 */
export const ec2Error = (err: unknown, action: string, command: string): PreevyError => {
  if (err instanceof PreevyError) return err;
  const code = codeOf(err);
  const message = (err as AwsLikeError)?.message ?? String(err);
  const make = (text: string, options: ConstructorParameters<typeof PreevyError>[1]) => new PreevyError(`${text} (while ${action})`, { ...options, cause: err });
  if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return make('No AWS credentials were found', {
      code: 'AWS_CREDENTIALS_MISSING',
      kind: 'invalid-input',
      suggestions: ['Give credentials the AWS SDK finds: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or a role (in GitHub Actions: aws-actions/configure-aws-credentials).'],
    });
  }
  if (['AuthFailure', 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'UnrecognizedClientException', 'InvalidAccessKeyId'].includes(code)) {
    return make(`AWS refused the credentials: ${code}`, {
      code: 'AWS_CREDENTIALS_INVALID',
      kind: 'invalid-input',
      suggestions: ['Check the access key and secret (or the role) the AWS SDK picks up, and that they are for this account.'],
    });
  }
  if (code === 'UnauthorizedOperation' || code === 'AccessDenied' || code === 'AccessDeniedException') {
    const iam = iamActionOf(command);
    return make(`Not allowed: ${iam}`, {
      code: 'AWS_UNAUTHORIZED',
      kind: 'invalid-input',
      suggestions: [`Allow ${iam} to the caller (the README lists the policy the EC2 driver needs).`],
    });
  }
  if (/^(InstanceLimitExceeded|VcpuLimitExceeded|InsufficientInstanceCapacity|.*LimitExceeded)$/.test(code)) {
    return make(`An AWS quota stopped it: ${code}: ${message}`, {
      code: 'AWS_QUOTA',
      kind: 'unavailable',
      suggestions: ['Remove environments you no longer need (preevy purge), pick another instance type or region, or ask AWS for a higher quota.'],
    });
  }
  if (/^InvalidAMIID\./.test(code)) {
    return make(`The AMI is not usable: ${message}`, {
      code: 'EC2_AMI_NOT_FOUND',
      kind: 'not-found',
      suggestions: ['Give --ec2-ami an AMI id of this region, or leave it unset to look up the newest image named --ec2-ami-name.'],
    });
  }
  if (code === 'ENOTFOUND' || code === 'ECONNREFUSED' || code === 'ETIMEDOUT' || code === 'UnknownEndpoint' || code === 'TimeoutError') {
    return make(`The EC2 API did not answer: ${message}`, {
      code: 'EC2_API_UNREACHABLE',
      kind: 'unavailable',
      suggestions: ['Check the region (--ec2-region) and, when set, --ec2-endpoint, and the network to the EC2 API.'],
    });
  }
  return make(`The EC2 API failed: ${code || 'error'}: ${message}`, { code: 'EC2_API_ERROR', kind: 'unavailable', suggestions: ['Run again; if it persists, run with --debug and check the AWS console.'] });
};

/** AWS region names: `us-east-1`, `eu-central-2`, `us-gov-west-1`; anything else is refused before a call. */
export const validRegion = (region: string): string => {
  if (/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/.test(region)) return region;
  throw new PreevyError(`"${region}" is not an AWS region`, {
    code: 'EC2_REGION_INVALID',
    kind: 'invalid-input',
    suggestions: ['Give --ec2-region (or AWS_REGION) as a region name such as us-east-1.'],
  });
};
