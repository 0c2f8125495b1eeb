export type { DemoEvent } from './contract.ts';
export {
  DEMO_CRASH_POINT,
  DEMO_ENV,
  DEMO_HANDLER,
  DEMO_OBJECT,
  DEMO_ORDER,
  DEMO_SYSTEM_PROMPT,
  DEMO_TOOLS,
} from './contract.ts';
export type { DemoSummary, RunDemoOptions } from './run-demo.ts';
export { runDemo } from './run-demo.ts';
export { announceApproval, recordSideEffect, reportEvent, timedStep } from './service-kit.ts';
export { verifyDemo } from './verify-demo.ts';
