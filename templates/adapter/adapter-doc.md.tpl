# __SDK__ (`@restate-agents/__SLUG__`)

## Before and after

## Options

## Guarantees

## Limits
