/** Live streaming of a streamed `DurableRunner` run (normal mode): see live-suite.ts. */
import { liveSuite } from './live-suite.js';

liveSuite(false);
