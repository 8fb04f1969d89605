import { describe, expect, it } from 'vitest';
import { ec2Error, iamActionOf, validRegion } from './ec2-errors.js';

const aws = (name: string, message = 'm') => Object.assign(new Error(message), { name });

describe('ec2Error', () => {
  it('should name the IAM action a refusal lacks', () => {
    const err = ec2Error(aws('UnauthorizedOperation', 'You are not authorized to perform this operation.'), 'creating machine x', 'RunInstancesCommand');
    expect(err).toMatchObject({ code: 'AWS_UNAUTHORIZED', kind: 'invalid-input', message: 'Not allowed: ec2:RunInstances (while creating machine x)' });
    expect(err.suggestions[0]).toContain('ec2:RunInstances');
  });

  it.each([
    ['CredentialsProviderError', 'AWS_CREDENTIALS_MISSING'],
    ['AuthFailure', 'AWS_CREDENTIALS_INVALID'],
    ['VcpuLimitExceeded', 'AWS_QUOTA'],
    ['InstanceLimitExceeded', 'AWS_QUOTA'],
    ['InvalidAMIID.NotFound', 'EC2_AMI_NOT_FOUND'],
    ['ENOTFOUND', 'EC2_API_UNREACHABLE'],
    ['SomethingElse', 'EC2_API_ERROR'],
  ])('should map %s to %s, keeping the cause', (name, code) => {
    const cause = aws(name);
    const err = ec2Error(cause, 'doing it', 'DescribeInstancesCommand');
    expect(err.code).toBe(code);
    expect(err.cause).toBe(cause);
    expect(err.suggestions.length).toBeGreaterThan(0);
  });

  it('should read the IAM action from a command name', () => {
    expect(iamActionOf('DescribeImagesCommand')).toBe('ec2:DescribeImages');
  });
});

describe('validRegion', () => {
  it.each(['us-east-1', 'eu-central-2', 'us-gov-west-1', 'ap-southeast-4'])('should accept %s', (r) => expect(validRegion(r)).toBe(r));
  it.each(['us-east', 'US-EAST-1', 'mars-1', 'us-east-1; rm -rf'])('should refuse %j', (r) => expect(() => validRegion(r)).toThrow(expect.objectContaining({ code: 'EC2_REGION_INVALID' })));
});
