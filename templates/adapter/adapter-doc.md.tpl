# __SDK__ (`@restate-agents/__SLUG__`)

<!-- One paragraph: what becomes durable, and how the tests prove it (real restate-server, the SDK's own client
over HTTP to the scripted model). Then the install line with the peers. -->

## Before and after

## API

<!-- One row per export: what it does, its options. Then what changes against the SDK's defaults, approvals
(core's `ApprovalOptions`), and the journal step names (`__SLUG__:model:<n>`, `__SLUG__:tool:<name>:<callId>`). -->

## Patterns

<!-- Every feature the SDK's own docs teach. ✅ with the test proving it under a crash in normal and always-replay
mode (conformance scenarios count), or ❌ with the exact error a user gets. -->

| pattern (the SDK's docs) | status | proof / the error a user gets |
| --- | --- | --- |

## Limits
