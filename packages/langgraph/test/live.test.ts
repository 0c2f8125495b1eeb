/** Live streaming of a `durableGraph` with `live` (normal mode): see live-suite.ts. */
import { liveSuite } from './live-suite.js';

liveSuite(false);
