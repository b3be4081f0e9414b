/* fuzz_account_form: the form bodies of the account module, read through
 * form_parse as the server does: application/token
 * (account_token_form_parse), login and federation
 * (account_login_form_parse), link and unlink (account_link_form_parse).
 * Properties: what is accepted has every required field, non-empty, with
 * the value the form holds; flags are 0 or 1; the device account id is the
 * one the form names. */
#include "fuzz.h"

#include "account.h"
#include "form.h"
#include "ids.h"
#include "user.h"

static int
is_grant(const char *g)
{
	return (g != NULL && (strcmp(g, "public_client") == 0 || strcmp(g,
	    "urn:ietf:params:oauth:grant-type:token-exchange") == 0));
}

static void
token_form(const struct form *f)
{
	struct account_token_in	 in;
	struct problem	 p;
	const char	*g1 = form_get(f, "grantType");

	if (account_token_form_parse(f, &in, &p) != 0) {
		FUZZ_CHECK(p.code == PROBLEM_INVALID_PARAMS);
		return;
	}
	FUZZ_CHECK(is_grant(g1 != NULL ? g1 : form_get(f, "grant_type")));
	FUZZ_CHECK(in.assertion == form_get(f, "assertion"));
	FUZZ_CHECK(in.assertion != NULL && in.assertion[0] != '\0');
	FUZZ_CHECK(in.penne_id == form_get(f, "penneId"));
}

static void
login_form(const struct form *f, int federation)
{
	struct account_login_in	 in;
	struct problem	 p;
	uint64_t	 id;
	const char	*idp;

	if (account_login_form_parse(f, federation, &in, &p) != 0) {
		FUZZ_CHECK(p.code == PROBLEM_INVALID_PARAMS ||
		    (federation && p.code == PROBLEM_INVALID_IDP));
		return;
	}
	FUZZ_CHECK(id_parse(form_get(f, "id"), &id) == 0 && id == in.da_id);
	FUZZ_CHECK(in.password == form_get(f, "password"));
	FUZZ_CHECK(in.password[0] != '\0');
	FUZZ_CHECK(in.na_country == NULL || user_country_valid(in.na_country));
	FUZZ_CHECK(in.app_token == NULL || in.app_token[0] != '\0');
	FUZZ_CHECK(in.is_persistent == 0 || in.is_persistent == 1);
	FUZZ_CHECK(in.skip_op2 == 0 || in.skip_op2 == 1);
	if (!federation) {
		FUZZ_CHECK(in.id_token == NULL);
		return;
	}
	idp = form_get(f, "idp");
	FUZZ_CHECK(idp == NULL || strcmp(idp, "nintendoAccount") == 0);
	FUZZ_CHECK(in.id_token != NULL && in.id_token[0] != '\0');
}

static void
link_form(const struct form *f, int need_token)
{
	struct problem	 p;
	const char	*tok, *idp = form_get(f, "idp");

	if (account_link_form_parse(f, need_token, &tok, &p) != 0) {
		FUZZ_CHECK(p.code == PROBLEM_INVALID_PARAMS ||
		    p.code == PROBLEM_INVALID_IDP);
		return;
	}
	FUZZ_CHECK(idp != NULL && strcmp(idp, "nintendoAccount") == 0);
	if (need_token)
		FUZZ_CHECK(tok != NULL && tok[0] != '\0' &&
		    tok == form_get(f, "idToken"));
	else
		FUZZ_CHECK(tok == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form	 f;
	struct problem	 p;

	if (form_parse((const char *)data, size, &f, &p) != 0)
		return (0);
	token_form(&f);
	login_form(&f, 0);
	login_form(&f, 1);
	link_form(&f, 0);
	link_form(&f, 1);
	form_free(&f);
	return (0);
}
