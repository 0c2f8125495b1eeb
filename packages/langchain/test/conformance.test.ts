import { describeConformance } from '@restate-agents/testing/vitest';
import { chatModelLoopDriver, createAgentDriver } from './driver.js';

describeConformance(createAgentDriver);
describeConformance(chatModelLoopDriver);
