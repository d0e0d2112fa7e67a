/* narrative.c — FHIR R4 narrative XHTML against the spec's rules (txt-1,
 * txt-2, the XHTML namespace, a <div> root), so that markup which would run
 * in another client's browser is refused before it is stored. libxml2 parses
 * (DESIGN: no hand-written parsers); this file holds the allow-lists and the
 * walk. */
#include "fhir/narrative.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/limits.h"

/* ---- the allow-lists (FHIR R4 narrative, txt-1) ------------------------------ */

/* HTML 4.0 chapters 7-11 (without 9.4, ins/del) and 15, without the
 * deprecated elements, plus <a>, images and image maps: the FHIR validator's
 * list. No script, style, form controls, frames, object/embed/applet, base,
 * link, meta, head or body. */
static const char *const elements[] = {
	"p",       "br",    "div",        "h1",     "h2",      "h3",    "h4",      "h5",       "h6",   "a",     "span",
	"b",       "em",    "i",          "strong", "small",   "big",   "tt",      "dfn",      "q",    "var",   "abbr",
	"acronym", "cite",  "blockquote", "hr",     "address", "bdo",   "kbd",     "sub",      "sup",  "ul",    "ol",
	"li",      "dl",    "dt",         "dd",     "pre",     "table", "caption", "colgroup", "col",  "thead", "tr",
	"tfoot",   "tbody", "th",         "td",     "code",    "samp",  "img",     "map",      "area",
};

/* Attributes any of those elements may carry. */
static const char *const common_attrs[] = {
	"title",
	"style",
	"class",
	"id",
	"lang",
	"dir",
	"accesskey",
	"tabindex",
	/* tables */
	"span",
	"width",
	"align",
	"valign",
	"char",
	"charoff",
	"abbr",
	"axis",
	"headers",
	"scope",
	"rowspan",
	"colspan",
};

/* element.attribute pairs; the URL ones are checked for their scheme. */
enum url_kind { URL_NONE, URL_LINK, URL_IMAGE, URL_PLAIN };
static const struct {
	const char *element, *attr;
	enum url_kind url;
} element_attrs[] = {
	{"a", "href", URL_LINK},
	{"a", "name", URL_NONE},
	{"a", "charset", URL_NONE},
	{"a", "type", URL_NONE},
	{"a", "hreflang", URL_NONE},
	{"a", "rel", URL_NONE},
	{"a", "rev", URL_NONE},
	{"a", "shape", URL_NONE},
	{"a", "coords", URL_NONE},
	{"img", "src", URL_IMAGE},
	{"img", "border", URL_NONE},
	{"img", "alt", URL_NONE},
	{"img", "longdesc", URL_PLAIN},
	{"img", "height", URL_NONE},
	{"img", "width", URL_NONE},
	{"img", "usemap", URL_PLAIN},
	{"img", "ismap", URL_NONE},
	{"map", "name", URL_NONE},
	{"area", "shape", URL_NONE},
	{"area", "coords", URL_NONE},
	{"area", "href", URL_LINK},
	{"area", "nohref", URL_NONE},
	{"area", "alt", URL_NONE},
	{"table", "summary", URL_NONE},
	{"table", "width", URL_NONE},
	{"table", "border", URL_NONE},
	{"table", "frame", URL_NONE},
	{"table", "rules", URL_NONE},
	{"table", "cellspacing", URL_NONE},
	{"table", "cellpadding", URL_NONE},
	{"pre", "space", URL_NONE},
	{"td", "nowrap", URL_NONE},
	{"blockquote", "cite", URL_PLAIN},
	{"q", "cite", URL_PLAIN},
};

/* In a style attribute, what would load something or run something: the
 * narrative is shown in other facilities' browsers, so style may lay out and
 * colour, nothing more. Compared against the lower-cased value; a backslash
 * (a CSS escape, which could spell any of these) is refused too. */
static const char *const style_refused[] = {
	"url(",       "image-set(", "image(",  "cross-fade(", "element(",  "@import",
	"expression", "behavior",   "binding", "javascript:", "vbscript:", "\\",
};

static bool listed(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

/* ---- parsing ------------------------------------------------------------------ */

static xmlParserInputPtr no_external(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL; /* nothing outside the narrative is ever read */
}

static void init_libxml(void)
{
	xmlInitParser();
	/* Process-wide, and the only libxml2 user in renkei: even if a DTD got
	 * through, no file or URL could be read for it. */
	xmlSetExternalEntityLoader(no_external);
}

/* Parse-time state, reached from the SAX hooks through ctxt->_private. */
struct parse {
	startElementNsSAX2Func start;
	endElementNsSAX2Func end;
	int depth, elements;
	bool doctype, too_deep, too_many;
	/* the first error, which says what is wrong (later ones follow from it) */
	bool failed;
	int code, line, column;
	char message[RK_ERR_MSG_MAX];
};

static void on_error(void *ctx, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse *p = ctxt->_private;
	if (p->failed || !e || e->level < XML_ERR_ERROR)
		return;
	p->failed = true;
	p->code = e->code;
	p->line = e->line;
	p->column = e->int2;
	snprintf(p->message, sizeof p->message, "%s", e->message ? e->message : "malformed markup");
}

/* A DOCTYPE brings a DTD, and with it entity declarations (XXE, "billion
 * laughs"): stop at its name, before a byte of the internal subset is read. */
static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id, const xmlChar *system_id)
{
	(void)name;
	(void)external_id;
	(void)system_id;
	xmlParserCtxtPtr ctxt = ctx;
	((struct parse *)ctxt->_private)->doctype = true;
	xmlStopParser(ctxt);
}

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri, int nb_namespaces,
		     const xmlChar **namespaces, int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse *p = ctxt->_private;
	if (++p->elements > RK_MAX_NARRATIVE_ELEMENTS || ++p->depth > RK_MAX_NARRATIVE_DEPTH) {
		p->too_many = p->elements > RK_MAX_NARRATIVE_ELEMENTS;
		p->too_deep = !p->too_many;
		xmlStopParser(ctxt);
		return;
	}
	p->start(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes, nb_defaulted, attributes);
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse *p = ctxt->_private;
	p->depth--;
	p->end(ctx, localname, prefix, uri);
}

/* ---- the walk ------------------------------------------------------------------- */

struct walk {
	xmlDocPtr doc;
	const char *where;
	struct rk_err *err;
	bool content; /* txt-2: some non-whitespace text, or an image */
};

/* Make s valid UTF-8 in place: names and libxml2's messages quote the input,
 * which a byte-bounded %.40s or a full buffer can cut inside a character. */
static void utf8_scrub(char *s)
{
	size_t len = strlen(s), at = 0;
	while (at < len) {
		at += str_utf8_prefix((struct str){s + at, len - at});
		if (at < len)
			s[at++] = '?';
	}
}

static enum rk_status refuse(const struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static enum rk_status refuse(const struct walk *w, const char *fmt, ...)
{
	char msg[RK_ERR_MSG_MAX], full[RK_ERR_MSG_MAX + RK_ERR_WHERE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(full, sizeof full, "%s: %s", w->where, msg);
	full[RK_ERR_MSG_MAX - 1] = '\0'; /* what err can hold, cut here rather than inside rk_fail */
	utf8_scrub(full);
	return rk_fail_at(w->err, RK_INVALID, w->where, "%s", full);
}

static const char *name_of(const xmlNode *n)
{
	return (const char *)n->name;
}

/* The URL with every ASCII control and space dropped. A browser skips the
 * leading ones and drops tabs and line breaks anywhere ("java\tscript:" is
 * javascript:); spaces go too, because XML turns a line break in an
 * attribute into a space, while a client that puts the stored text into a
 * page through an HTML parser sees the line break, and drops it. */
static void url_normalise(const char *v, char *out, size_t cap)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)v; *p && n + 1 < cap; p++)
		if (*p > 0x20 && *p != 0x7f)
			out[n++] = (char)*p;
	out[n] = '\0';
}

/* The lower-cased scheme of a normalised URL into scheme ("" for a relative
 * one); false when it is too long to be one we know. */
static bool url_scheme(const char *u, char *scheme, size_t cap)
{
	size_t n = 0;
	scheme[0] = '\0';
	if (!((*u >= 'a' && *u <= 'z') || (*u >= 'A' && *u <= 'Z')))
		return true; /* "#x", "/path", "Binary/1": relative */
	for (const char *p = u; *p; p++) {
		char c = *p;
		if (c == ':') {
			scheme[n] = '\0';
			return true;
		}
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
			  c == '-' || c == '.';
		if (!ok)
			break;
		if (n + 1 >= cap)
			return false;
		scheme[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	scheme[0] = '\0'; /* no ':' before a '/', '?' or '#': a relative path */
	return true;
}

static enum rk_status check_url(const struct walk *w, const char *element, const char *attr, enum url_kind kind,
				const char *value)
{
	char u[512], scheme[16];
	url_normalise(value, u, sizeof u);
	if (!url_scheme(u, scheme, sizeof scheme))
		return refuse(w,
			      "<%s %s> uses a URL scheme that is not allowed (only http, https, mailto, tel, urn or a "
			      "relative link)",
			      element, attr);
	if (!scheme[0] || strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0)
		return RK_OK;
	if (kind == URL_LINK &&
	    (strcmp(scheme, "mailto") == 0 || strcmp(scheme, "tel") == 0 || strcmp(scheme, "urn") == 0))
		return RK_OK;
	if (kind == URL_IMAGE && strcmp(scheme, "data") == 0) {
		/* an image inline, as FHIR allows; not SVG, which is a document that can hold script */
		const char *type = u + 5;
		if (strncasecmp(type, "image/", 6) == 0 && strncasecmp(type, "image/svg", 9) != 0)
			return RK_OK;
		return refuse(
			w, "<img src> may hold a data: URL only of a raster image (data:image/png and the like), not "
			   "of another media type");
	}
	return refuse(w,
		      "<%s %s> uses the URL scheme '%.15s:', which is not allowed in a narrative (only http, https%s "
		      "or a relative link)",
		      element, attr, scheme,
		      kind == URL_LINK    ? ", mailto, tel, urn"
		      : kind == URL_IMAGE ? ", data:image"
					  : "");
}

static enum rk_status check_style(const struct walk *w, const char *element, const char *value)
{
	char low[1024];
	size_t n = 0;
	for (const char *p = value; *p && n + 1 < sizeof low; p++)
		low[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	low[n] = '\0';
	if (value[n])
		return refuse(w, "the style attribute on <%s> is longer than %zu bytes", element, sizeof low - 1);
	for (size_t i = 0; i < sizeof style_refused / sizeof style_refused[0]; i++)
		if (strstr(low, style_refused[i]))
			return refuse(
				w,
				"the style attribute on <%s> holds '%s': style may lay out and colour a narrative, "
				"not load or run anything",
				element, style_refused[i]);
	return RK_OK;
}

static enum rk_status check_attr(const struct walk *w, const xmlNode *el, const xmlAttr *a)
{
	const char *element = name_of(el), *attr = (const char *)a->name;
	if (a->ns) {
		bool xml = a->ns->href && strcmp((const char *)a->ns->href, (const char *)XML_XML_NAMESPACE) == 0;
		if (xml && (strcmp(attr, "lang") == 0 || strcmp(attr, "space") == 0))
			return RK_OK;
		return refuse(w, "attribute '%.40s:%.40s' on <%s> is not allowed (no attributes of other namespaces)",
			      a->ns->prefix ? (const char *)a->ns->prefix : "", attr, element);
	}
	if (strncasecmp(attr, "on", 2) == 0)
		return refuse(w,
			      "event attribute '%.40s' on <%s> is not allowed: a narrative carries no script (FHIR "
			      "txt-1)",
			      attr, element);
	enum url_kind url = URL_NONE;
	bool ok = listed(common_attrs, sizeof common_attrs / sizeof common_attrs[0], attr);
	for (size_t i = 0; !ok && i < sizeof element_attrs / sizeof element_attrs[0]; i++)
		if (strcmp(element_attrs[i].element, element) == 0 && strcmp(element_attrs[i].attr, attr) == 0) {
			ok = true;
			url = element_attrs[i].url;
		}
	if (!ok)
		return refuse(w,
			      "attribute '%.40s' is not allowed on <%s> in a narrative (FHIR txt-1: basic HTML "
			      "formatting attributes only)",
			      attr, element);
	if (url == URL_NONE && strcmp(attr, "style") != 0)
		return RK_OK;
	xmlChar *value = xmlNodeListGetString(w->doc, a->children, 1);
	const char *v = value ? (const char *)value : "";
	enum rk_status rc = url != URL_NONE ? check_url(w, element, attr, url, v) : check_style(w, element, v);
	xmlFree(value);
	return rc;
}

static bool blank(const xmlChar *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return false;
	return true;
}

static bool in_xhtml(const xmlNode *n)
{
	return n->ns && n->ns->href && strcmp((const char *)n->ns->href, FHIR_XHTML_NS) == 0;
}

/* Siblings from n on, and their descendants; depth is bounded by the parse. */
static enum rk_status walk_nodes(struct walk *w, const xmlNode *n)
{
	for (; n; n = n->next) {
		enum rk_status rc = RK_OK;
		switch (n->type) {
		case XML_ELEMENT_NODE:
			if (!in_xhtml(n))
				return refuse(w, "element <%.40s> is not in the XHTML namespace (%s)", name_of(n),
					      FHIR_XHTML_NS);
			if (!listed(elements, sizeof elements / sizeof elements[0], name_of(n)))
				return refuse(
					w,
					"element <%.40s> is not allowed in a narrative (FHIR txt-1: basic HTML "
					"formatting only; no scripts, forms, frames, objects or embedded documents)",
					name_of(n));
			if (strcmp(name_of(n), "img") == 0)
				w->content = true;
			for (const xmlAttr *a = n->properties; a && rc == RK_OK; a = a->next)
				rc = check_attr(w, n, a);
			if (rc == RK_OK)
				rc = walk_nodes(w, n->children);
			break;
		case XML_TEXT_NODE:
			if (!blank(n->content))
				w->content = true;
			break;
		/* The text is stored as sent, and a client may render it with an
		 * HTML parser, which reads these two differently from XML:
		 * "<![CDATA[><img src=x onerror=...>]]>" and "<!--><img ...>-->" are
		 * text to XML but an image with a handler to HTML. */
		case XML_CDATA_SECTION_NODE:
			return refuse(w, "CDATA sections are not allowed in a narrative (write the text with &lt; and "
					 "&amp;)");
		case XML_COMMENT_NODE:
			if (n->content && (n->content[0] == '>' || (n->content[0] == '-' && n->content[1] == '>')))
				return refuse(w,
					      "a comment may not begin with '>' or '->' (an HTML parser would end it "
					      "there)");
			break;
		case XML_PI_NODE:
			return refuse(w, "processing instructions (<?%.40s ...?>) are not allowed in a narrative",
				      name_of(n));
		default: return refuse(w, "XML node of type %d is not allowed in a narrative", (int)n->type);
		}
		if (rc != RK_OK)
			return rc;
	}
	return RK_OK;
}

/* The root: one <div> in the XHTML namespace, nothing but comments beside it. */
static enum rk_status check_root(struct walk *w, xmlDocPtr doc)
{
	const xmlNode *root = NULL;
	for (const xmlNode *n = doc->children; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE)
			root = n;
		else if (n->type == XML_COMMENT_NODE && n->content &&
			 (n->content[0] == '>' || (n->content[0] == '-' && n->content[1] == '>')))
			return refuse(w,
				      "a comment may not begin with '>' or '->' (an HTML parser would end it there)");
		else if (n->type == XML_PI_NODE)
			return refuse(w, "processing instructions (<?%.40s ...?>) are not allowed in a narrative",
				      name_of(n));
		else if (n->type != XML_COMMENT_NODE)
			return refuse(w, "the narrative must be one <div> element and nothing else");
	}
	if (!root)
		return refuse(w, "the narrative has no <div> element");
	if (strcmp(name_of(root), "div") != 0)
		return refuse(w, "the narrative's root element must be <div>, not <%.40s>", name_of(root));
	if (!root->ns)
		return refuse(w, "the <div> must declare the XHTML namespace: <div xmlns=\"%s\">", FHIR_XHTML_NS);
	if (!in_xhtml(root))
		return refuse(w, "the <div> must be in the XHTML namespace %s, not %.80s", FHIR_XHTML_NS,
			      (const char *)root->ns->href);
	enum rk_status rc = walk_nodes(w, root);
	if (rc == RK_OK && !w->content)
		return refuse(w,
			      "the narrative has no content: FHIR txt-2 requires some non-whitespace text or an image");
	return rc;
}

/* libxml2's own words for the first well-formedness error: about the
 * client's input, with its line and column, one line, bounded. */
static enum rk_status not_well_formed(const struct walk *w, struct parse *p)
{
	if (!p->failed)
		snprintf(p->message, sizeof p->message, "malformed markup");
	for (char *c = p->message; *c; c++)
		if (*c == '\n' || *c == '\r' || *c == '\t')
			*c = ' ';
	size_t n = strlen(p->message);
	while (n && p->message[n - 1] == ' ')
		p->message[--n] = '\0';
	bool entity = p->code == XML_ERR_UNDECLARED_ENTITY || p->code == XML_WAR_UNDECLARED_ENTITY;
	return refuse(w, "not well-formed XHTML (line %d, column %d: %s)%s", p->line, p->column, p->message,
		      entity ? "; only &amp; &lt; &gt; &quot; &apos; and numeric character references exist in XHTML"
			     : "");
}

enum rk_status fhir_narrative_check(struct str div, const char *where, struct rk_err *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, init_libxml);
	struct walk w = {.where = where, .err = err};
	if (!div.ptr || div.len == 0)
		return refuse(&w, "the narrative is empty: it must be a <div> with some content (FHIR txt-2)");
	if (div.len > RK_MAX_NARRATIVE_BYTES)
		return refuse(&w, "the narrative is larger than %u bytes; a whole document belongs in a Binary",
			      (unsigned)RK_MAX_NARRATIVE_BYTES);
	/* Only whitespace may come before the <div>: no XML declaration,
	 * DOCTYPE, comment or processing instruction ahead of it. */
	struct str t = str_trim(div);
	bool starts = str_starts_with(t, "<div") && t.len > 4 &&
		      (t.ptr[4] == '>' || t.ptr[4] == ' ' || t.ptr[4] == '/' || t.ptr[4] == '\t' || t.ptr[4] == '\r' ||
		       t.ptr[4] == '\n');
	xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(div.ptr, (int)div.len);
	if (!ctxt)
		rk_oom();
	/* No network, no DTD loading, no entity substitution, no libxml2 output
	 * on stderr (its message becomes ours). */
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	struct parse p = {.start = ctxt->sax->startElementNs, .end = ctxt->sax->endElementNs};
	ctxt->_private = &p;
	ctxt->sax->serror = on_error;
	ctxt->sax->internalSubset = on_doctype;
	ctxt->sax->startElementNs = on_start;
	ctxt->sax->endElementNs = on_end;
	xmlParseDocument(ctxt);
	xmlDocPtr doc = ctxt->myDoc;
	w.doc = doc;
	enum rk_status rc;
	if (p.doctype)
		rc = refuse(&w,
			    "a DOCTYPE is not allowed in a narrative (no DTD, so no entity declarations or external "
			    "entities)");
	else if (p.too_deep)
		rc = refuse(&w, "elements nest deeper than %d levels", RK_MAX_NARRATIVE_DEPTH);
	else if (p.too_many)
		rc = refuse(&w, "more than %d elements", RK_MAX_NARRATIVE_ELEMENTS);
	else if (!ctxt->wellFormed || !doc)
		rc = not_well_formed(&w, &p);
	else if ((rc = check_root(&w, doc)) == RK_OK && !starts)
		rc = refuse(&w, "the narrative must begin with its <div> element (nothing before it but whitespace)");
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return rc;
}
