/**
 * Journal step names of this adapter. They are persisted in every journal: renaming one breaks the
 * replay of in-flight invocations and is a breaking change.
 */
export const STEP_NAMES: { readonly model: string; readonly tool: (name: string) => string } = {
  model: '__SLUG__:model',
  tool: (name: string) => `__SLUG__:tool:${name}`,
};
