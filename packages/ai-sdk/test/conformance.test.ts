import { describeConformance } from '@restate-agents/testing/vitest';
import { generateTextDriver, streamTextDriver } from './driver.js';

describeConformance(generateTextDriver);
describeConformance(streamTextDriver);
