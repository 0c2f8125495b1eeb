import { fileURLToPath } from 'node:url';
import type { ConformanceDriver } from '@restate-agents/testing';

/** __SDK__'s conformance driver: test/conformance-service.ts serves the contract with this adapter. */
export const driver: ConformanceDriver = {
  name: '__SLUG__',
  serviceEntry: fileURLToPath(new URL('./conformance-service.ts', import.meta.url)),
};
