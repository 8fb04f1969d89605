/** What the server saw of a visitor, for the forwarding headers it sets on every request. */
export interface ForwardedFor {
  address: string;
  proto: 'http' | 'https';
}

/** A visitor's own forwarding headers are never passed on: the origin hears only what we saw. */
export const isForwardingHeader = (lowerName: string): boolean => lowerName.startsWith('x-forwarded-') || lowerName === 'forwarded';

/** The forwarding headers for one request, as name/value pairs, on every path alike. */
export const forwardingHeaders = (fwd: ForwardedFor, host: string | undefined): Array<[string, string]> => [
  ['X-Forwarded-For', fwd.address],
  ['X-Forwarded-Proto', fwd.proto],
  ...(host === undefined ? [] : [['X-Forwarded-Host', host] as [string, string]]),
];
