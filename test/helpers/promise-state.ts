/**
 * Whether a promise has settled yet, for tests that check a call is still
 * waiting (or refused at once) without racing a timer.
 */

/** How a promise stands. */
export type PromiseState = 'pending' | 'resolved' | 'rejected';

/** Resolves to the promise's state once `quiet` has let pending work run (microtasks, fake timers at 0). */
export async function promiseState(promise: Promise<unknown>, quiet: () => Promise<void>): Promise<PromiseState> {
  let state: PromiseState = 'pending';
  promise.then(
    () => {
      state = 'resolved';
    },
    () => {
      state = 'rejected';
    },
  );
  await quiet();
  return state;
}
