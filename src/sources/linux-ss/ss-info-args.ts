/** The one ss command line -i reads tcp_info from (collect-info.ts), and the table without owners its rows (collect-rows.ts); src/start.ts may begin it before the CLI loads. */
export const SS_INFO_ARGS = ["-tainHOe"] as const;
