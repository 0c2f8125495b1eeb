/**
 * Error classification (R2) for MCP clients lives in core (`classifyMcpError`), shared with the other
 * adapters' MCP support; re-exported here, where it was first defined.
 */
export { classifyMcpError } from '@restate-agents/core';
