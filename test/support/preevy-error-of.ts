import { isPreevyError, type PreevyError } from '@preevy/core';
import { rejectionOf } from './rejection-of.js';

/** The PreevyError a promise rejects with; anything else (or no rejection) fails the test. */
// By shape: tests may hold the src and the dist copy of core.
export const caught = (p: Promise<unknown>): Promise<PreevyError> => rejectionOf(p, isPreevyError, 'a PreevyError');
