/** Thrown for a report that cannot be built; the message names what is missing. */
export class ReportError extends Error {
  constructor(
    message: string,
    readonly code: 'unknown-incident' | 'unknown-followup' | 'bad-option',
  ) {
    super(`incident-flow reports: ${message}`);
    this.name = 'ReportError';
  }
}
