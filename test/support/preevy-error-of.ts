import { isPreevyError, type PreevyError } from '@preevy/core';

/** The PreevyError a promise rejects with; anything else (or no rejection) fails the test. */
export const caught = async (p: Promise<unknown>): Promise<PreevyError> => {
  try {
    await p;
  } catch (err) {
    if (isPreevyError(err)) return err; // by shape: tests may hold the src and the dist copy of core
    throw err;
  }
  throw new Error('expected a PreevyError');
};
