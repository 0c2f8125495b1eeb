/**
 * Live streaming in always-replay mode (every journaled step ends the attempt and the handler replays): the
 * replays re-send commits and events, and the log still shows each journaled answer exactly once.
 */
import { afterAll, beforeAll, it } from 'vitest';
import {
  killAfterStep,
  killMidStream,
  type LiveHarness,
  startLiveHarness,
} from './live-helpers.js';

let h: LiveHarness;

beforeAll(async () => {
  h = await startLiveHarness(true);
});
afterAll(async () => {
  await h?.stop();
});

it('live (always-replay): SIGKILL mid-stream → one reset-step, final message equals the journaled answer', () =>
  killMidStream(h, 'replay-kill-mid-stream'));

it('live (always-replay): a kill right after the step → no reset, no duplicate', () =>
  killAfterStep(h, 'replay-kill-after-step'));
