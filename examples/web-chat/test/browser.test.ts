/**
 * The page in a real headless Chromium (the OS package, driven by playwright-core) against the whole example:
 * restate-server, the agent in a child process, the stream log and the chat handlers. One server for the file;
 * the scripted model streams its answer in 16 pieces 200 ms apart, enough to act mid-stream.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebChat, type WebChat } from '../src/web-chat.ts';
import { findChromium, launchChromium, recordAssistantTexts } from './browser.ts';

const executablePath = findChromium();
if (!executablePath && process.env.CI) {
  throw new Error(
    'No Chromium for the browser tests: install the OS package chromium (.ci/run does) or set CHROMIUM_PATH.',
  );
}

describe.skipIf(!executablePath)('web chat in a browser', () => {
  let chat: WebChat;
  let browser: Browser;

  beforeAll(async () => {
    [chat, browser] = await Promise.all([
      startWebChat({ chunkDelayMs: 200 }),
      launchChromium(executablePath as string),
    ]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await chat?.stop();
  });

  async function openChat(): Promise<Page> {
    const page = await browser.newPage();
    await page.addInitScript(recordAssistantTexts);
    await page.goto(chat.url);
    await page.waitForSelector('main[data-status="ready"]');
    return page;
  }

  const assistantText = (page: Page) =>
    page.locator('.message[data-role="assistant"]').last().textContent();

  /** Waits until the answer shows at least `min` characters (mid-stream). */
  const waitForPartialAnswer = (page: Page, min: number) =>
    page.waitForFunction((length) => {
      const all = document.querySelectorAll('.message[data-role="assistant"]');
      return (all[all.length - 1]?.textContent?.length ?? 0) >= length;
    }, min);

  /** Every text the answer ever showed, each a prefix of the final answer: no word was ever shown twice. */
  async function expectNoRepeatedWords(page: Page): Promise<string[]> {
    const texts = await page.evaluate(
      () => (window as unknown as { assistantTexts: string[] }).assistantTexts,
    );
    for (const text of texts) expect(chat.answer.startsWith(text), text).toBe(true);
    return texts;
  }

  /** Waits for the whole answer on screen and the chat ready for the next message. */
  async function waitForAnswer(page: Page): Promise<void> {
    await page.waitForFunction(
      (answer) => {
        const all = document.querySelectorAll('.message[data-role="assistant"]');
        return all[all.length - 1]?.textContent === answer;
      },
      chat.answer,
      { timeout: 60_000 },
    );
    await page.waitForSelector('main[data-status="ready"]');
  }

  async function send(page: Page, text: string): Promise<void> {
    await page.fill('#prompt', text);
    await page.click('button[type="submit"]');
  }

  it('browser: a message gets its answer streamed live, piece by piece', async () => {
    // Nothing to act on mid-stream here: pieces 80 ms apart still show the answer growing, in less time.
    chat.setChunkDelayMs(80);
    const page = await openChat();
    await send(page, 'Hello');
    await waitForAnswer(page);
    expect(await assistantText(page)).toBe(chat.answer);
    // Live, not collected: the answer was seen growing through several intermediate texts.
    const texts = await expectNoRepeatedWords(page);
    expect(texts.filter((text) => text.length > 0 && text !== chat.answer).length).toBeGreaterThan(
      1,
    );
    await page.close();
  });

  it('browser: the agent SIGKILLed mid-stream, the page finishes with the answer once, no word repeated', async () => {
    chat.setChunkDelayMs(200);
    const page = await openChat();
    const modelCalls = () => chat.model?.requestsFor(chat.modelName).length ?? 0;
    const callsBefore = modelCalls();
    await send(page, 'Tell me something');
    await waitForPartialAnswer(page, 40);
    // SIGKILL the agent's process mid-stream and start it again; Restate retries the model step.
    await chat.agent.restart();
    await waitForAnswer(page);
    expect(await assistantText(page)).toBe(chat.answer);
    const texts = await expectNoRepeatedWords(page);
    // The crash really was mid-stream: the model step ran twice, and the page showed the first attempt's
    // partial answer, retracted it (reset-step: the text shrank) and then showed the retry's.
    expect(modelCalls() - callsBefore).toBe(2);
    const partial = texts.findIndex((text) => text.length >= 40 && text !== chat.answer);
    expect(partial).toBeGreaterThanOrEqual(0);
    expect(
      texts.slice(partial + 1).some((text) => text.length < (texts[partial]?.length ?? 0)),
    ).toBe(true);
    await page.close();
  });

  it('browser: a reload mid-stream resumes the answer and finishes it', async () => {
    // A slower answer here: the reload (page, bundle, resume request) must land before it ends even on a
    // busy machine.
    chat.setChunkDelayMs(400);
    const page = await openChat();
    await send(page, 'And again');
    await waitForPartialAnswer(page, 20);
    const chatUrl = page.url();
    const resumed = page.waitForResponse((response) => response.url().includes('/stream'));
    await page.reload();
    expect(page.url()).toBe(chatUrl);
    // `resume: true` asked for the active turn: 200 means it was still running (an ended turn answers 204),
    // and the chat the page loads holds no unfinished answer, so what it shows came back from the stream log.
    expect((await resumed).status()).toBe(200);
    await waitForAnswer(page);
    expect(await assistantText(page)).toBe(chat.answer);
    await expectNoRepeatedWords(page);
    // The user's message is still there (from the agent's state), once.
    expect(await page.locator('.message[data-role="user"]').allTextContents()).toEqual([
      'And again',
    ]);
    await page.close();
  });
});
