/* devtool: commands for people who run the server behind their integration
 * suites: a development dauth key, device tokens minted with it, users. */
#ifndef BAAS_DEVTOOL_H
#define BAAS_DEVTOOL_H

/* Runs argv[1] when it is a devtool command: returns 1 and sets *exit_code;
 * returns 0 for anything else. */
int	 devtool_command(int argc, char **argv, int *exit_code);

#endif
