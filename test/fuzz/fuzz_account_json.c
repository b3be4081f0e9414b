/* fuzz_account_json: the JSON bodies of the account module, each input given
 * to every parser: image upload (account_image_parse: JSON, base64, JPEG),
 * push channel (account_push_parse), device snapshot
 * (account_snapshot_parse) and user registration (account_register_check,
 * as JSON and as a form). Properties: an accepted image is at most 1 MiB
 * of JPEG whose size is what the frame header says; push strings are short
 * and printable, attributes canonical JSON; snapshot ids distinct and at
 * most 100. */
#include "fuzz.h"

#include <jansson.h>

#include "account.h"
#include "jpeg.h"
#include "utf8.h"

static void
image(const char *s, size_t size)
{
	struct account_image	 in;
	struct problem	 p;
	int		 w, h;

	if (account_image_parse(s, size, &in, &p) != 0) {
		FUZZ_CHECK(p.code == PROBLEM_INVALID_PARAMS ||
		    p.code == PROBLEM_INVALID_RAW_CONTENT);
		FUZZ_CHECK(in.data == NULL);
		return;
	}
	FUZZ_CHECK(in.data != NULL && in.len <= IMAGE_MAX_BYTES);
	FUZZ_CHECK(in.data[0] == 0xff && in.data[1] == 0xd8);
	FUZZ_CHECK(jpeg_dimensions(in.data, in.len, &w, &h) == 0);
	FUZZ_CHECK(w == in.width && h == in.height && w > 0 && h > 0);
	FUZZ_CHECK(in.allow_transform == 0 || in.allow_transform == 1);
	account_image_free(&in);
}

static int
printable(const char *s, size_t max)
{
	size_t	n = strlen(s);

	if (n == 0 || n > max || !utf8_valid(s, n))
		return (0);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return (0);
	return (1);
}

static void
push(const char *s, size_t size)
{
	struct account_push	 in;
	struct problem	 p;
	json_t		*j;

	if (account_push_parse(s, size, &in, &p) != 0) {
		FUZZ_CHECK(p.code == PROBLEM_INVALID_PARAMS);
		FUZZ_CHECK(in.service == NULL && in.attributes == NULL);
		return;
	}
	FUZZ_CHECK(printable(in.service, PUSH_SERVICE_MAX));
	FUZZ_CHECK(printable(in.device_token, PUSH_TOKEN_MAX));
	if (in.attributes != NULL) {
		j = json_loads(in.attributes, JSON_DECODE_ANY, NULL);
		FUZZ_CHECK(j != NULL);
		json_decref(j);
	}
	account_push_free(&in);
}

static void
snapshot(const char *s, size_t size)
{
	struct account_snapshot	 in;
	struct problem		 p;

	if (account_snapshot_parse(s, size, &in, &p) != 0) {
		FUZZ_CHECK(p.code == PROBLEM_INVALID_PARAMS);
		FUZZ_CHECK(in.ids == NULL && in.n == 0);
		return;
	}
	FUZZ_CHECK(in.n <= SNAPSHOT_MAX_IDS);
	for (size_t i = 0; i < in.n; i++)
		for (size_t k = 0; k < i; k++)
			FUZZ_CHECK(in.ids[i] != in.ids[k]);
	account_snapshot_free(&in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct problem	 p;
	char		*s = fuzz_str(data, size);

	image(s, size);
	push(s, size);
	snapshot(s, size);
	if (account_register_check(s, size, 1, &p) != 0)
		FUZZ_CHECK(p.code == PROBLEM_INVALID_PARAMS);
	if (account_register_check(s, size, 0, &p) != 0)
		FUZZ_CHECK(p.code == PROBLEM_INVALID_PARAMS);
	free(s);
	return (0);
}
