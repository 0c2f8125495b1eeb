/** Live streaming of ADK runs, in normal and always-replay mode: see live-suite.ts. */
import { liveSuite } from './live-suite.js';

liveSuite();
