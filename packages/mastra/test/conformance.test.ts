import { describeConformance } from '@restate-agents/testing/vitest';
import { generateDriver, streamDriver } from './driver.js';

describeConformance(generateDriver);
describeConformance(streamDriver);
