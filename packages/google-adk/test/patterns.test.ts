/**
 * The patterns of ADK's docs (docs/adapters/google-adk.md's matrix), each on a real restate-server in normal and
 * always-replay mode (every step replayed from the journal, the path a recovery after a crash takes), ADK's
 * `Gemini` model talking HTTP to the scripted model's Gemini API; the AgentTool pattern is also SIGKILLed right
 * after its side effect is journaled: after the restart no completed model request is repeated and every side
 * effect happens exactly once.
 */
import { fileURLToPath } from 'node:url';
import {
  CRASH_AFTER_SIDE_EFFECT,
  InvocationFailedError,
  type MockScript,
} from '@restate-agents/testing';
import { useCrashHarness } from '@restate-agents/testing/vitest';
import { describe, expect, it } from 'vitest';
import type { Pattern, PatternInput } from './patterns-service.js';

/** patterns-service.ts's object (not imported: importing that module would start serving). */
const PATTERNS_OBJECT = 'AdkPatterns';

const entry = fileURLToPath(new URL('./patterns-service.ts', import.meta.url));

for (const mode of ['normal', 'always-replay'] as const) {
  describe(`ADK patterns (${mode})`, () => {
    // Restarts are found within a second (fast retries; nothing here asserts on the back-off), and the next
    // process loads while the current one serves (the crash tests restart the service).
    const harness = useCrashHarness({
      serviceEntry: entry,
      env: { ADK_LOG_LEVEL: 'warn' },
      restate: { alwaysReplay: mode === 'always-replay' },
    });
    const { restate, model: mock, ledger, service } = harness;
    let counter = 0;

    /** A fresh session; `scripts` per agent name. */
    function session(pattern: Pattern, scripts: Record<string, MockScript>) {
      counter += 1;
      const key = `${pattern}-${mode}-${counter}`;
      for (const [agent, script] of Object.entries(scripts))
        mock.conversation(`${key}-${agent}`, script);
      const run = async (prompt: string) => {
        const input: PatternInput = { pattern, model: key, prompt };
        const { invocationId } = await restate.send(
          { service: PATTERNS_OBJECT, handler: 'run', key },
          input,
        );
        return invocationId;
      };
      const result = (invocationId: string) =>
        restate.attach<{ text: string }>(invocationId, { timeoutMs: 60_000 });
      const recorded = () => ledger.entries({ kind: 'record', session: key }).map((e) => e.body.id);
      /** Requests per turn of one agent's conversation: each completed turn exactly once. */
      const turns = (agent: string) =>
        mock.requestsFor(`${key}-${agent}`).map((request) => request.turnIndex);
      return { key, run, result, recorded, turns };
    }

    /** Runs to the end (in always-replay mode every step is replayed from the journal, as after a crash). */
    async function runToEnd(s: ReturnType<typeof session>, prompt: string) {
      if (!service.running) await service.restart();
      return s.result(await s.run(prompt));
    }

    /**
     * Runs with a SIGKILL right after the first journaled side effect, then restarts the service. ADK takes
     * seconds to load on a busy machine, so only one pattern pays for the restart (the conformance suite's
     * `crash-mid-loop` kills the plain tool loop in both modes).
     */
    async function runThroughCrash(s: ReturnType<typeof session>, prompt: string) {
      if (!service.running) await service.restart();
      await service.armCrash(CRASH_AFTER_SIDE_EFFECT, 1);
      const crashed = service.crashed();
      const invocationId = await s.run(prompt);
      await crashed;
      await service.restart();
      return s.result(invocationId);
    }

    it('SequentialAgent: sub-agents run one after another, each model call journaled', async () => {
      const s = session('sequential', {
        writer: [
          { toolCalls: [{ name: 'record', arguments: { id: 'draft' } }] },
          { text: 'Drafted.' },
        ],
        reviewer: [{ text: 'Reviewed the draft.' }],
      });
      const output = await runToEnd(s, 'write and review');
      expect(output.text).toBe('Reviewed the draft.');
      expect(s.recorded()).toEqual(['draft']);
      expect(s.turns('writer')).toEqual([0, 1]);
      expect(s.turns('reviewer')).toEqual([0]);
    });

    it('LoopAgent: iterations replay in order', async () => {
      // Scripted by the history's tool results: a loop's next iteration starts with no new user message, so
      // turn indexes (runs of model messages) would merge two iterations' turns.
      const tools = (request: { messages: { role: string }[] }) =>
        request.messages.filter((message) => message.role === 'tool').length;
      const s = session('loop', {
        worker: (request) =>
          request.messages.at(-1)?.role === 'tool'
            ? { text: `Pass ${tools(request)} done.` }
            : { toolCalls: [{ name: 'record', arguments: { id: `pass-${tools(request) + 1}` } }] },
      });
      const output = await runToEnd(s, 'work twice');
      expect(output.text).toBe('Pass 2 done.');
      expect(s.recorded()).toEqual(['pass-1', 'pass-2']);
      // Two iterations of two model calls each, none repeated after the crash.
      expect(mock.requestsFor(`${s.key}-worker`)).toHaveLength(4);
    });

    it("AgentTool: the nested runner's model and tools are durable too (it runs without plugins), across a SIGKILL", async () => {
      const s = session('agent-tool', {
        root: (request) =>
          request.turnIndex === 0
            ? { toolCalls: [{ name: 'helper', arguments: { request: 'record it' } }] }
            : { text: `Root heard: ${request.lastToolResult}` },
        helper: [
          { toolCalls: [{ name: 'record', arguments: { id: 'nested' } }] },
          { text: 'Helper done.' },
        ],
      });
      const output = await runThroughCrash(s, 'delegate');
      expect(output.text).toContain('Helper done.');
      expect(s.recorded()).toEqual(['nested']);
      expect(s.turns('root')).toEqual([0, 1]);
      expect(s.turns('helper')).toEqual([0, 1]);
    }, 120_000);

    it('sub-agents and transfer_to_agent: the specialist runs in the same durable invocation', async () => {
      const s = session('transfer', {
        root: [
          { toolCalls: [{ name: 'transfer_to_agent', arguments: { agentName: 'specialist' } }] },
        ],
        specialist: [
          { toolCalls: [{ name: 'record', arguments: { id: 'handled' } }] },
          { text: 'Specialist done.' },
        ],
      });
      const output = await runToEnd(s, 'needs a specialist');
      expect(output.text).toBe('Specialist done.');
      expect(s.recorded()).toEqual(['handled']);
      expect(s.turns('root')).toEqual([0]);
      expect(s.turns('specialist')).toEqual([0, 1]);
    });

    it('session state: a tool writes state, the next invocation reads it in the instruction', async () => {
      const s = session('state', {
        root: (request) =>
          request.turnIndex === 0
            ? { toolCalls: [{ name: 'record', arguments: { id: 'remembered' } }] }
            : { text: `Instruction: ${request.messages[0]?.text ?? ''}` },
      });
      await runToEnd(s, 'remember something');
      const second = await s.result(await s.run('what did you record?'));
      expect(second.text).toContain('Last recorded: remembered');
      expect(s.recorded()).toEqual(['remembered']);
    });

    it('durableToolset (MCPToolset-style): the tool list journaled once, each call one durable step', async () => {
      const s = session('toolset', {
        root: (request) =>
          request.turnIndex === 0
            ? { toolCalls: [{ name: 'lookup', arguments: { id: 'remote' } }] }
            : { text: `Server said: ${request.lastToolResult}` },
      });
      const output = await runToEnd(s, 'look it up');
      expect(output.text).toContain('found remote');
      expect(s.recorded()).toEqual(['remote']);
      // One journaled listing, one more inside the call's step; ADK alone lists on every step and every replay.
      expect(ledger.entries({ kind: 'event', session: s.key })).toHaveLength(2);
      expect(s.turns('root')).toEqual([0, 1]);
    });

    it("tool confirmation approved with edited arguments: the tool runs with the approver's arguments", async () => {
      const s = session('approval-edit', {
        root: (request) =>
          request.turnIndex === 0
            ? { toolCalls: [{ name: 'approve_record', arguments: { id: 'as-asked' } }] }
            : { text: `Done: ${request.lastToolResult}` },
      });
      if (!service.running) await service.restart();
      const invocationId = await s.run('record, with approval');
      const approval = await ledger.waitFor('approval', s.key);
      await restate.resolveAwakeable(String(approval.body.approvalId), {
        approved: true,
        editedArgs: { id: 'as-edited' },
      });
      const output = await s.result(invocationId);
      expect(output.text).toContain('recorded as-edited');
      expect(s.recorded()).toEqual(['as-edited']);
    });

    it("the agent's own callbacks run around the durable model and tools (before-tool guardrail, after-model check)", async () => {
      const s = session('callbacks', {
        root: (request) =>
          request.turnIndex === 0
            ? { toolCalls: [{ name: 'record', arguments: { id: 'forbidden' } }] }
            : { text: `Tool said ${request.lastToolResult}` },
      });
      const output = await runToEnd(s, 'try the forbidden thing');
      expect(output.text).toBe('Tool said {"result":"blocked by policy"} [checked]');
      expect(s.recorded()).toEqual([]);
      expect(s.turns('root')).toEqual([0, 1]);
    });

    it('a runner whose agent did not go through withRestate is refused before any model call', async () => {
      const s = session('not-durable', { root: [{ text: 'never' }] });
      if (!service.running) await service.restart();
      const failure = await s.result(await s.run('hello')).catch((error: unknown) => error);
      expect(InvocationFailedError.isInstance(failure)).toBe(true);
      expect((failure as Error).message).toMatch(/was not made durable.*withRestate\(ctx, agent\)/);
      expect(s.turns('root')).toEqual([]);
    });

    it('an InMemoryArtifactService or InMemoryMemoryService on the runner is refused, naming it and the way out', async () => {
      if (!service.running) await service.restart();
      const refusals = {
        'in-memory-artifacts':
          /artifactService is an InMemoryArtifactService: .*not journaled.*Leave artifactService out/,
        'in-memory-memory':
          /memoryService is an InMemoryMemoryService: .*not journaled.*Leave memoryService out/,
      } as const;
      for (const [pattern, message] of Object.entries(refusals)) {
        const s = session(pattern as Pattern, { root: [{ text: 'never' }] });
        const failure = await s.result(await s.run('hello')).catch((error: unknown) => error);
        expect(InvocationFailedError.isInstance(failure)).toBe(true);
        expect((failure as Error).message).toMatch(message);
        expect(s.turns('root')).toEqual([]);
      }
    });

    it('ParallelAgent is refused with an error naming it, before any model call', async () => {
      const s = session('parallel', { a: [{ text: 'a' }], b: [{ text: 'b' }] });
      if (!service.running) await service.restart();
      const failure = await s.result(await s.run('fan out')).catch((error: unknown) => error);
      expect(InvocationFailedError.isInstance(failure)).toBe(true);
      expect((failure as Error).message).toMatch(
        /ParallelAgent "fan-out" runs its sub-agents concurrently/,
      );
      expect(s.turns('a')).toEqual([]);
    });
  });
}
