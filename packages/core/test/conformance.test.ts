import { describeConformance } from '@restate-agents/testing/vitest';
import { plainOpenAIDriver } from './driver.js';

describeConformance(plainOpenAIDriver);
