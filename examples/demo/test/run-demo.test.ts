import { expect, it } from 'vitest';
import { runDemo } from '../src/run-demo.ts';

it('names the demos there are when asked for one that is not', async () => {
  await expect(runDemo({ sdk: 'cobol', print: () => undefined })).rejects.toThrow(
    /No demo for --sdk cobol\. Available: openai/,
  );
});
