import { assign, fromPromise, setup } from 'xstate';

export interface QueuedJob {
  jobId: string;
  workflow: string | null;
}

export interface WorkerContext {
  agent: string;
  queue: QueuedJob[];
  /** The agent itself is paused (Cheryl's mitigation), or only some workflows. */
  paused: boolean;
  pausedWorkflows: string[];
  current: QueuedJob | null;
}

export type WorkerEvent =
  | { type: 'job.enqueued'; job: QueuedJob }
  | { type: 'agent.paused' }
  | { type: 'agent.resumed' }
  | { type: 'workflow.paused'; workflow: string }
  | { type: 'workflow.resumed'; workflow: string };

/** The first job the worker may take: none while paused, and none of a paused workflow. */
export function nextRunnable(ctx: WorkerContext): QueuedJob | null {
  if (ctx.paused) return null;
  return ctx.queue.find((job) => job.workflow === null || !ctx.pausedWorkflows.includes(job.workflow)) ?? null;
}

/**
 * A worker agent's engine loop (spec, Step 1): takes jobs from its queue one at a
 * time; `runJob` (provided) runs one and catches its error. Jobs that arrive while
 * the agent or their workflow is paused wait in the queue; none are dropped.
 */
export const workerMachine = setup({
  types: {
    context: {} as WorkerContext,
    events: {} as WorkerEvent,
    input: {} as { agent: string },
  },
  actors: {
    runJob: fromPromise<void, { agent: string; jobId: string }>(async () => {
      throw new Error('incident-flow: provide runJob');
    }),
  },
  guards: {
    hasRunnable: ({ context }) => nextRunnable(context) !== null,
  },
}).createMachine({
  id: 'worker',
  context: ({ input }) => ({ agent: input.agent, queue: [], paused: false, pausedWorkflows: [], current: null }),
  initial: 'idle',
  on: {
    'job.enqueued': { actions: assign({ queue: ({ context, event }) => [...context.queue, event.job] }) },
    'agent.paused': { actions: assign({ paused: true }) },
    'agent.resumed': { actions: assign({ paused: false }) },
    'workflow.paused': { actions: assign({ pausedWorkflows: ({ context, event }) => [...new Set([...context.pausedWorkflows, event.workflow])] }) },
    'workflow.resumed': { actions: assign({ pausedWorkflows: ({ context, event }) => context.pausedWorkflows.filter((w) => w !== event.workflow) }) },
  },
  states: {
    idle: {
      always: {
        guard: 'hasRunnable',
        target: 'running',
        actions: assign(({ context }) => {
          const job = nextRunnable(context)!;
          return { current: job, queue: context.queue.filter((j) => j !== job) };
        }),
      },
    },
    running: {
      invoke: {
        src: 'runJob',
        input: ({ context }) => ({ agent: context.agent, jobId: context.current!.jobId }),
        onDone: { target: 'idle', actions: assign({ current: null }) },
        // runJob catches the job's own errors; reaching here is a bug in the shell, kept as a state.
        onError: { target: 'idle', actions: assign({ current: null }) },
      },
    },
  },
});
