import { describeConformance } from '@restate-agents/testing/vitest';
import { langGraphDriver } from './driver.js';

describeConformance(langGraphDriver);
