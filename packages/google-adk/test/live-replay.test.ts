/** Live streaming of ADK runs in always-replay mode: see live-suite.ts. */
import { liveSuite } from './live-suite.js';

liveSuite(true);
