/* limits.h — every hard bound in renkei, each with a line of why.
 * Configuration may lower a bound, never raise it (config/ checks this).
 * Exceeding one is a clean 4xx with a specific message, never a crash.
 * Always include as "core/limits.h" (the system <limits.h> is a different file). */
#ifndef RENKEI_CORE_LIMITS_H
#define RENKEI_CORE_LIMITS_H

/* HTTP */
#define RK_MAX_BODY         (64u << 20) /* largest request body: a 50 MB scanned consent form plus JSON/base64 overhead */
#define RK_DEFAULT_BODY     (8u << 20)   /* default body limit: FHIR resources and modest bundles */
#define RK_MAX_HEADER_MEM   (1u << 20)   /* per-connection header+read buffer ceiling for libmicrohttpd */
#define RK_MAX_URL          8192         /* longest URL we route: long search queries, not attachments */
#define RK_MAX_QUERY_PARAMS 64           /* search parameters per request: real clients use < 10 */
#define RK_MAX_PARAM_VALUES 100          /* comma-separated OR values in one parameter */
#define RK_MAX_HTTP_THREADS 256          /* worker threads; each holds one database connection */
#define RK_MAX_CONNECTIONS  65536        /* concurrent connections libmicrohttpd tracks */
#define RK_MAX_REQUEST_MEM  (256u << 20) /* per-request arena: a body plus its parsed form and response */
#define RK_MAX_RESPONSE     (256u << 20) /* a rendered response held in memory */

/* JSON / FHIR */
#define RK_MAX_JSON_DEPTH       64         /* FHIR resources nest < 20 levels; bundles of resources < 40 */
#define RK_MAX_ID_LEN           64         /* FHIR id: [A-Za-z0-9\-\.]{1,64} */
#define RK_MAX_TYPE_LEN         64         /* longest resource type name */
#define RK_MAX_STRING_BYTES     (1u << 20) /* one FHIR string element (not Attachment.data) */
#define RK_MAX_INDEX_VALUES     1000       /* index entries extracted from one resource */
#define RK_MAX_COUNT            1000       /* _count ceiling: one page stays small enough to render fast */
#define RK_MAX_COLLAB_NAMING    50         /* records looked at that name one attachment */
#define RK_MAX_COLLAB_CONTACTS  50         /* family and other contacts listed for one person */
#define RK_MAX_COLLAB_DOCUMENTS 500 /* 指示書・計画書・報告書 of one person listed at once (the newest) */
#define RK_DEFAULT_COUNT        20  /* FHIR page size when _count is absent */
#define RK_MAX_OFFSET           1000000 /* deepest page offset; beyond it, narrow the search */
#define RK_MAX_HISTORY          1000    /* history entries per page */
#define RK_MAX_SEARCH_VALUE     256     /* bytes in one search value (names, codes, dates) */
#define RK_MAX_INCLUDED         1000    /* resources _include/_revinclude may add to one page */
#define RK_MAX_CANDIDATES       100000  /* records one search or history may weigh against the access rules */
#define RK_MAX_NARRATIVE_BYTES \
	(256u << 10)                    /* one Narrative.div: a human-readable summary (a discharge letter's
                                          * text is < 50 KB); whole documents belong in a Binary */
#define RK_MAX_NARRATIVE_DEPTH    64    /* XHTML elements nested in a narrative: tables in lists in divs stay < 20 */
#define RK_MAX_NARRATIVE_ELEMENTS 20000 /* elements in one narrative: bounds libxml2's tree (~150 bytes a node) */
#define RK_MAX_BUNDLE_ENTRIES \
	1000 /* entries of one transaction/batch Bundle: a patient's SS-MIX2 day is < 200
                                          * resources, and a transaction holds SQLite's one write lock while it runs */

/* Store */
#define RK_MAX_STMT_CACHE 256   /* prepared statements cached per connection */
#define RK_MAX_SQL        16384 /* generated search SQL text */
#define RK_MAX_SQL_PARAMS 512   /* bound parameters in one statement */
#define RK_MAX_TX_DEPTH   8     /* nested transaction levels (request, handler, Bundle, write, ...) */

/* Login */
#define RK_LOGIN_FAILURE_MEMORY_MS \
	(24LL * 3600 * 1000) /* failed logins of an ID are forgotten after a day without
                                             one: a typo a week never adds up to a lock, and rows of made-up IDs go */

/* Config */
#define RK_MAX_CONFIG_LINE  4096       /* one line of renkei.conf */
#define RK_MAX_CONFIG_BYTES (1u << 20) /* the whole configuration file */

/* HL7 v2 / MLLP */
#define RK_MAX_HL7_MESSAGE \
	(8u << 20) /* one v2 message or MLLP frame: SS-MIX2 messages are KBs; an ORU/MDM carrying a
                                          * base64 report (ED) of a few MB fits; a decoded ISO-2022-JP copy costs <= 3x */
#define RK_MAX_HL7_SEGMENT \
	(4u << 20) /* one segment: the OBX with an embedded document; larger documents belong in
                                          * FHIR DocumentReference/Binary, not in a v2 field */
#define RK_MAX_HL7_SEGMENTS \
	50000 /* segments in one message: a cumulative lab ORU has a few thousand OBX/NTE;
                                          * bounds the segment index at 2.4 MB (48 bytes each) */

/* MLLP (HL7 v2 over TCP) */
#define RK_MAX_MLLP_CONNECTIONS 65536 /* concurrent MLLP connections: one per sending system, a few per facility */
#define RK_MAX_MLLP_INFLIGHT \
	64 /* messages of one connection awaiting their ACK before it is read again:
                                            HL7 senders wait for each ACK; this bounds a pipelining client's memory */
#define RK_MAX_MLLP_QUEUED \
	(256u << 20)        /* bytes of received messages waiting for the ingest thread; beyond it no
                                            connection is read until the queue drains (back-pressure, bounded memory) */
#define RK_MAX_MLLP_PEER 64 /* "[v6 address]:port" of a peer, for the log */

/* Ingest */
#define RK_MAX_LOCAL_PID_LEN \
	20 /* local patient ID: SS-MIX2 uses up to 15; ids "<facility>-<PID>.h<hash>.<seq>" stay within 64 */
#define RK_MAX_SSMIX2_FILE        RK_MAX_HL7_MESSAGE /* one SS-MIX2 file is one message, read whole */
#define RK_MAX_INGEST_BATCH       512 /* messages per ingest transaction: one fsync for many, a short write lock */
#define RK_MAX_INGEST_BATCH_BYTES (32u << 20) /* message bytes held for one ingest transaction */
#define RK_MAX_SSMIX2_FILES       20000000    /* files one import walks (10,000 patients make ~300,000) */
#define RK_MAX_QUARANTINE_TEXT \
	(256u << 10) /* text of a quarantined message shown to the operator: SS-MIX2 messages
                                            are KBs; a report with an embedded document is cut, not sent whole */

/* Patient linking */
#define RK_MAX_MATCH_KEY     512  /* bytes of a match key (kana name + birth date, or an address): names are < 100 */
#define RK_MAX_MATCH_ROWS    200  /* look-alike registrations weighed per new person: same kana name and birthday */
#define RK_MAX_MERGE_MEMBERS 1000 /* registrations one merge moves: a person has a few dozen at most */
#define RK_MAX_MERGE_DEPTH   64   /* merged_into hops followed to the surviving regional ID */

/* Scheduler */
/* a job's claim: longer than any run; a crashed holder's job waits this long */
#define RK_SCHED_LEASE_MS (10LL * 60 * 1000)
#define RK_SCHED_BATCH    256 /* rows one job handles per statement round; it loops until none is due */

/* Demo */
#define RK_MAX_DEMO_PATIENTS 1000000 /* demo generator upper bound */
/* `renkei gen ssmix2`: ~80 KB and ~50 files a patient, so a million is
 * ~80 GB; beyond that a typo fills the disk */
#define RK_MAX_SSMIX2_GEN_PATIENTS 1000000

/* Accounts, facilities and their names (struct principal, struct account,
 * OAuth clients): each is checked on the way in, so a longer value is refused,
 * never cut */
#define RK_MAX_ACCOUNT_ID    72  /* a login ID, OAuth client id or Practitioner id (ids are <= 64) plus room */
#define RK_MAX_FACILITY_CODE 16  /* 医療機関コード: 10 digits; other codes of the region stay below 16 */
#define RK_MAX_DISPLAY_NAME  160 /* a person's or a facility's name or area: 50 kanji of 3 bytes, and more */
#define RK_MAX_SCOPES        512 /* an OAuth client's SMART scopes, space-separated: a dozen scopes */

/* Files and operator text */
#define RK_MAX_PATH         4096 /* a file path we build or resolve (Linux's PATH_MAX) */
#define RK_MAX_ACTOR        128  /* who runs an import or replay: "ssmix2-import:<OS user>", "mllp" */
#define RK_MAX_AUDIT_DETAIL 1400 /* an operator command's audit detail: a merge names its reason and registrations */
#define RK_MAX_LOG_LINE     512  /* a library's message passed on to our log (libmicrohttpd); longer ones are cut */

#endif
