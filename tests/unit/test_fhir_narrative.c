/* test_fhir_narrative.c — Narrative.div checks: narratives shaped like the
 * FHIR R4 examples pass; script, event attributes, active URL schemes,
 * frames, forms, DTDs (XXE, billion laughs), malformed XHTML, a wrong root
 * or namespace and empty narratives are refused, each with its own message
 * naming the element's path; and the check runs inside fhir_validate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/json.h"
#include "core/limits.h"
#include "fhir/narrative.h"
#include "fhir/types.h"
#include "fhir/validate.h"

#define NS        "http://www.w3.org/1999/xhtml"
#define DIV(body) "<div xmlns=\"" NS "\">" body "</div>"
#define WHERE     "Patient.text.div"

static void accepted(const char *div)
{
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status st = fhir_narrative_check(str_c(div), WHERE, &err);
	if (st != RK_OK)
		fail_msg("refused (%s): %s\n  narrative: %.300s", rk_status_name(st), err.msg, div);
}

/* Refused with RK_INVALID, a message "Patient.text.div: ..." holding want,
 * and the path in err.where. */
static void refused(const char *div, const char *want)
{
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status st = fhir_narrative_check(str_c(div), WHERE, &err);
	if (st != RK_INVALID)
		fail_msg("not refused (%s): %.300s", rk_status_name(st), div);
	if (strncmp(err.msg, WHERE ": ", strlen(WHERE) + 2) != 0 || !strstr(err.msg, want))
		fail_msg("message '%s' does not name the path and '%s'", err.msg, want);
	assert_string_equal(err.where, WHERE);
}

static void test_fhir_examples_accepted(void **state)
{
	(void)state;
	/* the shapes of the R4 examples' generated narratives */
	accepted(DIV("<p><b>Generated Narrative with Details</b></p><p><b>id</b>: example</p>"
		     "<p><b>status</b>: final</p><p><b>code</b>: Glucose <span>(Details : {LOINC code '15074-8' = "
		     "'Glucose [Moles/volume] in Blood')</span></p>"));
	accepted("\n  <div xmlns=\"" NS "\">\n    <table>\n      <tbody>\n        <tr>\n          <td>Name</td>\n"
		 "          <td>Peter James <b>Chalmers</b> (&quot;Jim&quot;)</td>\n        </tr>\n"
		 "        <tr><td>Address</td><td>534 Erewhon, Pleasantville, Vic, 3999</td></tr>\n"
		 "        <tr><td>Contacts</td><td>Home: unknown. Work: (03) 5555 6473</td></tr>\n"
		 "        <tr><td>Id</td><td>MRN: 12345 (Acme Healthcare)</td></tr>\n"
		 "      </tbody>\n    </table>\n  </div>\n  ");
	accepted(DIV("<h3>退院時要約</h3><p>高血圧症で通院中。<br/>次回受診 2026-12-01。</p>"
		     "<ul><li>アムロジピン 5mg</li><li>経過観察</li></ul><!-- generated -->"));
	accepted("<div xmlns=\"" NS "\" xml:lang=\"ja\" lang=\"ja\"><p class=\"note\" style=\"color: gray; "
		 "font-weight: bold\" title=\"t\" id=\"n1\">要約 &lt;注&gt; &amp; &#160;&#x3042;</p></div>");
	accepted(DIV("<p>See <a href=\"http://hl7.org/fhir/R4/patient.html\">the spec</a>, "
		     "<a href=\"Patient/example\">the patient</a>, <a href=\"#sec1\">below</a>, "
		     "<a href=\"mailto:info@example.org\">mail</a>, <a href=\"tel:+81-3-0000-0000\">phone</a>, "
		     "<a name=\"sec1\">anchor</a>.</p>"));
	accepted(DIV("<img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"a chart\" width=\"10\" height=\"10\"/>"));
	accepted(DIV("<img src=\"#image1\" alt=\"attached\"/>"));
	accepted(DIV("<table border=\"1\" cellpadding=\"2\"><caption>Labs</caption><thead><tr><th scope=\"col\">"
		     "test</th><th>value</th></tr></thead><tbody><tr><td colspan=\"2\" align=\"right\">HbA1c 6.1%</td>"
		     "</tr></tbody></table><dl><dt>plan</dt><dd>continue</dd></dl><pre>  fixed  </pre>"
		     "<blockquote cite=\"https://example.org/\"><p>quoted</p></blockquote>"));
}

static void test_active_content_refused(void **state)
{
	(void)state;
	refused(DIV("<p>x</p><script>alert(1)</script>"), "element <script> is not allowed");
	refused(DIV("<p>x<script src=\"https://evil.example/x.js\"/></p>"), "element <script> is not allowed");
	refused(DIV("<img src=\"x.png\" onload=\"alert(1)\"/>"), "event attribute 'onload' on <img>");
	refused(DIV("<p onClick=\"alert(1)\">x</p>"), "event attribute 'onClick' on <p>");
	refused(DIV("<a href=\"javascript:alert(1)\">x</a>"), "URL scheme 'javascript:'");
	refused(DIV("<a href=\"  JaVaScRiPt:alert(1)\">x</a>"), "URL scheme 'javascript:'");
	refused(DIV("<a href=\"java&#9;script:alert(1)\">x</a>"), "URL scheme 'javascript:'");
	refused(DIV("<a href=\"java\nscript:alert(1)\">x</a>"), "URL scheme 'javascript:'");
	refused(DIV("<a href=\"javascript&#58;alert(1)\">x</a>"), "URL scheme 'javascript:'");
	refused(DIV("<a href=\"&#1;javascript:alert(1)\">x</a>"), "not well-formed"); /* &#1; is no XML character */
	refused(DIV("<a href=\"java script:alert(1)\">x</a>"), "URL scheme 'javascript:'");
	refused(DIV("<a href=\"&#10;javascript:alert(1)\">x</a>"), "URL scheme 'javascript:'");
	refused(DIV("<map name=\"m\"><area href=\"vbscript:x\" alt=\"\"/></map>x"), "URL scheme 'vbscript:'");
	refused(DIV("<a href=\"data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;\">x</a>"), "URL scheme 'data:'");
	refused(DIV("<img src=\"data:image/svg+xml;base64,PHN2Zz4=\"/>"), "raster image");
	refused(DIV("<img src=\"file:///etc/passwd\"/>"), "URL scheme 'file:'");
	refused(DIV("<blockquote cite=\"javascript:x\">q</blockquote>"), "URL scheme 'javascript:'");
	refused(DIV("<iframe src=\"https://evil.example/\"></iframe>"), "element <iframe> is not allowed");
	refused(DIV("<frameset></frameset>"), "element <frameset> is not allowed");
	refused(DIV("<form action=\"https://evil.example/\"><input name=\"pw\"/></form>"),
		"element <form> is not allowed");
	refused(DIV("<p><input type=\"text\"/></p>"), "element <input> is not allowed");
	refused(DIV("<object data=\"x.swf\"></object>"), "element <object> is not allowed");
	refused(DIV("<embed src=\"x.swf\"/>"), "element <embed> is not allowed");
	refused(DIV("<style>p { color: red }</style><p>x</p>"), "element <style> is not allowed");
	refused(DIV("<link rel=\"stylesheet\" href=\"https://evil.example/x.css\"/>"), "element <link> is not allowed");
	refused(DIV("<base href=\"https://evil.example/\"/>"), "element <base> is not allowed");
	refused(DIV("<SCRIPT>alert(1)</SCRIPT>"), "element <SCRIPT> is not allowed");
	refused(DIV("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"),
		"element <svg> is not in the XHTML namespace");
	refused(DIV("<a xmlns:xlink=\"http://www.w3.org/1999/xlink\" xlink:href=\"javascript:x\">x</a>"),
		"no attributes of other namespaces");
	refused(DIV("<p style=\"background: url(https://tracker.example/p.png)\">x</p>"), "holds 'url('");
	refused(DIV("<p style=\"width: expression(alert(1))\">x</p>"), "holds 'expression'");
	refused(DIV("<p style=\"background: \\75 rl(x)\">x</p>"), "holds '\\'");
	refused(DIV("<p href=\"x\">x</p>"), "attribute 'href' is not allowed on <p>");
	refused(DIV("<p srcdoc=\"x\">x</p>"), "attribute 'srcdoc' is not allowed on <p>");
	refused(DIV("<?php echo 1; ?>x"), "processing instructions");
	/* text to XML, markup to an HTML parser (the text is stored as sent) */
	refused(DIV("<![CDATA[><img src=x onerror=alert(1)>]]>"), "CDATA sections are not allowed");
	refused(DIV("<!--><img src=x onerror=alert(1)>-->x"), "a comment may not begin with '>'");
	refused(DIV("<!---><img src=x onerror=alert(1)>-->x"), "a comment may not begin with '>' or '->'");
	refused(DIV("<?x ><img src=x onerror=alert(1)>?>x"), "processing instructions");
}

static void test_dtd_and_entities_refused(void **state)
{
	(void)state;
	refused("<!DOCTYPE div SYSTEM \"file:///etc/passwd\"><div xmlns=\"" NS "\">x</div>",
		"a DOCTYPE is not allowed");
	refused("<!DOCTYPE div [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><div xmlns=\"" NS "\">&xxe;</div>",
		"a DOCTYPE is not allowed");
	refused("<!DOCTYPE div [<!ENTITY xxe SYSTEM \"http://127.0.0.1:1/x\">]><div xmlns=\"" NS "\">&xxe;</div>",
		"a DOCTYPE is not allowed");
	refused("<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
		"<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
		"<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
		"<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
		"<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
		"<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
		"<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
		"<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
		"<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">]>"
		"<div xmlns=\"" NS "\" title=\"&lol9;\">&lol9;</div>",
		"a DOCTYPE is not allowed");
	/* no DTD, so no entities but XML's five */
	refused(DIV("<p>a&nbsp;b</p>"), "only &amp; &lt; &gt; &quot; &apos; and numeric character references");
	refused(DIV("<p>&xxe;</p>"), "not well-formed");
}

static void test_structure_refused(void **state)
{
	(void)state;
	refused(DIV("<p>x</div>"), "not well-formed XHTML (line 1");
	refused(DIV("<p>x"), "not well-formed XHTML");
	refused(DIV("<p a=1>x</p>"), "not well-formed XHTML");
	refused(DIV("<b><i>x</b></i>"), "not well-formed XHTML");
	refused(DIV("x") "<div xmlns=\"" NS "\">y</div>", "not well-formed XHTML");
	refused(DIV("x") "trailing", "not well-formed XHTML");
	refused("<p xmlns=\"" NS "\">x</p>", "root element must be <div>, not <p>");
	refused("<span xmlns=\"" NS "\">x</span>", "root element must be <div>, not <span>");
	refused("<div>x</div>", "must declare the XHTML namespace");
	refused("<div xmlns=\"urn:not-xhtml\">x</div>", "must be in the XHTML namespace");
	refused("<?xml version=\"1.0\"?>" DIV("x"), "must begin with its <div> element");
	refused("<!-- c -->" DIV("x"), "must begin with its <div> element");
	refused("just text", "not well-formed XHTML");
}

static void test_empty_refused(void **state)
{
	(void)state;
	refused("", "the narrative is empty");
	refused("<div xmlns=\"" NS "\"/>", "has no content");
	refused(DIV(""), "has no content");
	refused(DIV(" \n\t "), "has no content");
	refused(DIV("<p> </p><br/><!-- only a comment -->"), "has no content");
	accepted(DIV("<p> </p><img src=\"#i\" alt=\"\"/>")); /* an image is content */
}

static void test_bounds(void **state)
{
	(void)state;
	char *deep = malloc(64 * 1024);
	assert_non_null(deep);
	size_t n = (size_t)snprintf(deep, 1024, "<div xmlns=\"%s\">", NS);
	for (int i = 0; i < RK_MAX_NARRATIVE_DEPTH + 10; i++)
		n += (size_t)snprintf(deep + n, 64 * 1024 - n, "<span>");
	n += (size_t)snprintf(deep + n, 64 * 1024 - n, "x");
	for (int i = 0; i < RK_MAX_NARRATIVE_DEPTH + 10; i++)
		n += (size_t)snprintf(deep + n, 64 * 1024 - n, "</span>");
	snprintf(deep + n, 64 * 1024 - n, "</div>");
	refused(deep, "nest deeper than 64 levels");
	free(deep);

	size_t big = RK_MAX_NARRATIVE_BYTES + 100;
	char *large = malloc(big + 1);
	assert_non_null(large);
	memset(large, 'a', big);
	memcpy(large, "<div xmlns=\"" NS "\">", strlen("<div xmlns=\"" NS "\">"));
	memcpy(large + big - 6, "</div>", 6);
	large[big] = '\0';
	refused(large, "larger than 262144 bytes");

	/* many elements, each small: bounded before the tree grows */
	size_t cap = RK_MAX_NARRATIVE_BYTES;
	n = (size_t)snprintf(large, cap, "<div xmlns=\"%s\">", NS);
	while (n + 16 < cap)
		n += (size_t)snprintf(large + n, cap - n, "<br/>");
	snprintf(large + n, cap - n, "</div>");
	refused(large, "more than 20000 elements");
	free(large);
}

/* The hook: every write path validates through fhir_validate. */
static void test_validate_runs_the_check(void **state)
{
	(void)state;
	const struct fhir_resource_def *def = fhir_resource_find("Patient", 7);
	assert_non_null(def);
	json_error_t jerr;
	json_t *bad = json_loads("{\"resourceType\":\"Patient\",\"text\":{\"status\":\"generated\",\"div\":"
				 "\"<div xmlns=\\\"" NS "\\\"><p>x</p><script>alert(1)</script></div>\"}}",
				 0, &jerr);
	assert_non_null(bad);
	struct rk_err err;
	rk_err_clear(&err);
	assert_int_equal(fhir_validate(def, bad, NULL, NULL, &err), RK_INVALID);
	assert_string_equal(err.where, "Patient.text.div");
	assert_non_null(strstr(err.msg, "Patient.text.div: element <script> is not allowed"));
	json_decref(bad);

	json_t *good = json_loads("{\"resourceType\":\"Patient\",\"text\":{\"status\":\"generated\",\"div\":"
				  "\"<div xmlns=\\\"" NS "\\\"><p>山田 太郎</p></div>\"}}",
				  0, &jerr);
	assert_non_null(good);
	rk_err_clear(&err);
	if (fhir_validate(def, good, NULL, NULL, &err) != RK_OK)
		fail_msg("a good narrative refused: %s", err.msg);
	json_decref(good);

	const struct fhir_resource_def *comp = fhir_resource_find("Composition", 11);
	assert_non_null(comp);
	json_t *section = json_loads("{\"resourceType\":\"Composition\",\"status\":\"final\",\"type\":{\"text\":\"t\"},"
				     "\"date\":\"2026-01-01\",\"author\":[{\"display\":\"a\"}],\"title\":\"t\","
				     "\"section\":[{\"title\":\"s\",\"text\":{\"status\":\"generated\",\"div\":"
				     "\"<div xmlns=\\\"" NS "\\\"><a href=\\\"javascript:x\\\">x</a></div>\"}}]}",
				     0, &jerr);
	assert_non_null(section);
	rk_err_clear(&err);
	assert_int_equal(fhir_validate(comp, section, NULL, NULL, &err), RK_INVALID);
	assert_string_equal(err.where, "Composition.section[0].text.div");
	assert_non_null(strstr(err.msg, "javascript"));
	json_decref(section);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fhir_examples_accepted),
		cmocka_unit_test(test_active_content_refused),
		cmocka_unit_test(test_dtd_and_entities_refused),
		cmocka_unit_test(test_structure_refused),
		cmocka_unit_test(test_empty_refused),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_validate_runs_the_check),
	};
	return cmocka_run_group_tests_name("fhir narrative", tests, NULL, NULL);
}
