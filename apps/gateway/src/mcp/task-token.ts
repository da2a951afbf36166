/** Nest provider token: the TaskSupport (tasks extension) the modern era offers, when wired. */
export const MCP_TASKS = Symbol('MCP_TASKS');
