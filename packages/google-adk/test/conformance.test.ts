import { describeConformance } from '@restate-agents/testing/vitest';
import { driver } from './driver.js';

describeConformance(driver);
