import { defineConfig } from 'tsdown';
import { preset } from '../../tsdown.config.ts';

// A second entry: `@restate-agents/ai-sdk/client`, the browser half (RestateChatTransport), which imports
// nothing server-side.
export default defineConfig({
  ...preset,
  entry: ['src/index.ts', 'src/client/index.ts'],
});
