/**
 * Why an aborted operation stopped, as an Error: what `controller.abort(reason)` was given (our
 * callers give Errors: Interrupted, DeadlineError; Node's default is a DOMException, an Error
 * too), wrapped when someone aborted with another value, so a rejection is always an Error.
 */
export function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  return new Error(
    reason === undefined
      ? 'aborted'
      : `aborted: ${typeof reason === 'string' ? reason : JSON.stringify(reason)}`,
  );
}
