import type { z } from 'zod';

/** One line per problem, `key.path: message`, so a user can find the exact spot in the file. */
export const zodProblems = (error: z.ZodError): string[] =>
  error.issues.map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`);
