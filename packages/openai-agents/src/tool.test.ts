import { RunContext, tool as sdkTool } from '@openai/agents-core';
import { RestateError, TerminalError } from '@restatedev/restate-sdk';
import { describe, expect, it } from 'vitest';
import { SDK_DEFAULT_TOOL_ERROR_MESSAGE, tool } from './tool.js';

const parameters = {
  type: 'object' as const,
  properties: {},
  required: [],
  additionalProperties: false as const,
};
const failing = (error: unknown) => ({
  name: 'failing',
  description: 'always fails',
  parameters,
  strict: true as const,
  execute: (): string => {
    throw error;
  },
});

describe('tool()', () => {
  it("the SDK's own tool() swallows a TerminalError into a message for the model", async () => {
    const swallowing = sdkTool(failing(new TerminalError('card declined')));
    const output = await swallowing.invoke(new RunContext({}), '{}');
    // Pins the copy of the SDK's default message used by tool() to the installed SDK.
    expect(output).toBe(SDK_DEFAULT_TOOL_ERROR_MESSAGE);
  });

  it('rethrows a TerminalError instead of handing it to the model', async () => {
    const durable = tool(failing(new TerminalError('card declined')));
    await expect(durable.invoke(new RunContext({}), '{}')).rejects.toMatchObject({
      name: 'TerminalError',
      message: 'card declined',
    });
  });

  it('rethrows a suspension (599) found inside a wrapper', async () => {
    const suspended = new RestateError('suspended', { errorCode: 599 });
    const durable = tool(failing(new Error('wrapped', { cause: suspended })));
    await expect(durable.invoke(new RunContext({}), '{}')).rejects.toBe(suspended);
  });

  it('passes other errors to the SDK default message', async () => {
    const durable = tool(failing(new Error('flaky')));
    expect(await durable.invoke(new RunContext({}), '{}')).toBe(SDK_DEFAULT_TOOL_ERROR_MESSAGE);
  });

  it("passes other errors to the user's errorFunction", async () => {
    const durable = tool({
      ...failing(new Error('flaky')),
      errorFunction: (_context, error) => `handled: ${(error as Error).message}`,
    });
    expect(await durable.invoke(new RunContext({}), '{}')).toBe('handled: flaky');
  });
});
