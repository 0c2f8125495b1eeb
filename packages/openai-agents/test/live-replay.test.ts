/** Live streaming of a streamed `DurableRunner` run in always-replay mode: see live-suite.ts. */
import { liveSuite } from './live-suite.js';

liveSuite(true);
