---
"@restate-agents/__SLUG__": minor
---

feat(__SLUG__): adapter for __SDK__
