/** The one ss command line -i reads tcp_info from, joined to the sockets by inode (collect-info.ts). */
export const SS_INFO_ARGS = ["-tainHOe"] as const;

/**
 * What -i's table without owners reads its rows from (collect-rows.ts): no -e, since it needs
 * neither inode nor uid. src/start.ts may begin it before the CLI loads.
 */
export const SS_ROW_ARGS = ["-tainHO"] as const;
