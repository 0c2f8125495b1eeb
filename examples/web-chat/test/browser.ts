import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

/**
 * The OS's Chromium (Debian's `chromium` package, which `.ci/run` installs when missing), or Chrome, or
 * `CHROMIUM_PATH`. playwright-core downloads no browser of its own.
 */
export function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of NAMES) {
      const path = join(dir, name);
      try {
        accessSync(path, constants.X_OK);
        return path;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export async function launchChromium(executablePath: string): Promise<Browser> {
  // --no-sandbox: CI runs as root, where Chromium refuses its sandbox; --disable-dev-shm-usage: containers
  // often give /dev/shm only 64 MB, too little for a renderer.
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/**
 * Installed in the page before its scripts run (again after every reload): records each text the last
 * assistant message shows, on every DOM change, so a test can check no intermediate state ever held a
 * repeated word — not only the final one.
 */
export function recordAssistantTexts(): void {
  const seen: string[] = [];
  (window as unknown as { assistantTexts: string[] }).assistantTexts = seen;
  const record = () => {
    const all = document.querySelectorAll('.message[data-role="assistant"]');
    const text = all[all.length - 1]?.textContent ?? '';
    if (text !== seen[seen.length - 1]) seen.push(text);
  };
  new MutationObserver(record).observe(document, {
    subtree: true,
    childList: true,
    characterData: true,
  });
}
