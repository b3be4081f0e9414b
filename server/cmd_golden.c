/* cmd_golden: golden-tokens DIR, the golden token set (lib/golden.h) for
 * people who write token verifiers, written to a folder. */
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "golden.h"

int
cmd_golden_tokens(int argc, char **argv)
{
	struct golden_set	 gs;
	char			 err[512], *path;
	int			 rc = 0;

	if (argc != 2)
		return (cmd_usage(argv[0], "one folder expected"));
	if (argv[1][0] == '-')
		return (cmd_usage(argv[0], "unknown option \"%s\"", argv[1]));
	if (file_mkdir_p(argv[1], 0755, err, sizeof err) != 0)
		return (cmd_fail(argv[0], "%s", err));
	if (golden_build(&gs, err, sizeof err) != 0)
		return (cmd_fail(argv[0], "%s", err));
	for (size_t i = 0; i < gs.n && rc == 0; i++) {
		path = xasprintf("%s/%s", argv[1], gs.files[i].name);
		if (file_write(path, gs.files[i].mode, gs.files[i].data,
		    strlen(gs.files[i].data), FILE_REPLACE, err,
		    sizeof err) != 0)
			rc = cmd_fail(argv[0], "%s", err);
		free(path);
	}
	if (rc == 0)
		printf("golden tokens: %zu files in %s (what each case expects: "
		    "%s/README.md)\n", gs.n, argv[1], argv[1]);
	golden_free(&gs);
	return (rc);
}
