/** The error a promise rejects with, when `is` accepts it; any other error (or no rejection) fails the test. */
export const rejectionOf = async <T>(p: Promise<unknown>, is: (err: unknown) => err is T, what: string): Promise<T> => {
  try {
    await p;
  } catch (err) {
    if (is(err)) return err;
    throw err;
  }
  throw new Error(`expected ${what}, but the promise resolved`);
};
