/** Live streaming of a `durableChatModel` in a LangChain agent, always-replay mode: see live-suite.ts. */
import { liveSuite } from './live-suite.js';

liveSuite(true);
