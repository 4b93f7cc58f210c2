/** The server's exit code for "cannot start as configured" (sysexits' EX_CONFIG): restarting would not help. */
export const EXIT_CANNOT_START = 78;
