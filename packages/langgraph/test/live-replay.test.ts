/** Live streaming of a `durableGraph` with `live` in always-replay mode (no kill): see live-suite.ts. */
import { liveSuite } from './live-suite.js';

liveSuite(true);
