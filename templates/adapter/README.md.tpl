# @restate-agents/__SLUG__

__SDK__ made durable on [Restate](https://restate.dev): every model call and tool a journaled step, tools in
model order, Restate's terminal errors and cancellations kept out of the model's hands.

```sh
pnpm add @restate-agents/__SLUG__ __SDK__ @restatedev/restate-sdk
```

## Before and after

```ts
// Before

// After
```

## What becomes durable

## What differs from __SDK__

Guide: [docs/adapters/__SLUG__.md](../../docs/adapters/__SLUG__.md).
