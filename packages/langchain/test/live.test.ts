/** Live streaming of a `durableChatModel` in a LangChain agent (normal mode): see live-suite.ts. */
import { liveSuite } from './live-suite.js';

liveSuite(false);
