/**
 * What `tcpstat summary --by` can break sockets down by. Kept apart from the zod schemas in
 * report.ts so that `summary` can check its flags without loading zod.
 */
export const GROUP_KEYS = ["port", "process", "remote", "local", "container", "unit"] as const;
