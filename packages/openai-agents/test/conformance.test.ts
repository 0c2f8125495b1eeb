import { describeConformance } from '@restate-agents/testing/vitest';
import { chatCompletionsDriver, responsesDriver } from './driver.js';

describeConformance(responsesDriver);
describeConformance(chatCompletionsDriver);
