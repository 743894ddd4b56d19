/** pg-boss 10.4.2's statement texts (`src/plans.js`, CommonJS): the two its workers send without awaiting. */
declare module 'pg-boss/src/plans.js' {
  const plans: {
    completeJobs(schema: string): string;
    failJobsById(schema: string): string;
  };
  export default plans;
}
