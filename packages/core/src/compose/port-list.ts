/** Parses `80, 8080/tcp` into ports; what is not a TCP port number lands in `bad`. */
export const parsePortList = (raw: string): { ports: number[]; bad: string[] } => {
  const ports: number[] = [];
  const bad: string[] = [];
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    // `8080/tcp` is how compose writes ports elsewhere; other protocols cannot be tunnelled.
    const m = /^(\d{1,5})(\/tcp)?$/i.exec(part);
    const port = m ? Number(m[1]) : NaN;
    if (port >= 1 && port <= 65535) ports.push(port);
    else bad.push(part);
  }
  return { ports, bad };
};
