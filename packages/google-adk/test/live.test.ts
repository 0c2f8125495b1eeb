/** Live streaming of ADK runs (normal mode): see live-suite.ts. */
import { liveSuite } from './live-suite.js';

liveSuite(false);
