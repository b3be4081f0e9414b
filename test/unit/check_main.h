/* check_main: the main() every unit test binary shares; each check_<module>.c
 * defines <module>_suite() and ends with CHECK_MAIN(<module>_suite). */
#ifndef BAAS_CHECK_MAIN_H
#define BAAS_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

#define CHECK_MAIN(suite_fn)						\
int									\
main(void)								\
{									\
	SRunner	*sr = srunner_create(suite_fn());			\
	int	 failed;						\
									\
	srunner_run_all(sr, CK_NORMAL);					\
	failed = srunner_ntests_failed(sr);				\
	srunner_free(sr);						\
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);		\
}

#endif
