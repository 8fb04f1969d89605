/** Version of the agent <-> tunnel server protocol, bumped on incompatible changes. */
export const PROTOCOL_VERSION = 1;
