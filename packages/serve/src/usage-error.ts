// The usage error of the serve and worker verbs (the CLI exits with 2): its own file, so that
// serve-command.ts and queue/worker-command.ts both import it without an import loop.

/** A usage error: a flag or a file named on the command line; the CLI exits with 2. */
export class ServeUsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'ServeUsageError';
  }
}
