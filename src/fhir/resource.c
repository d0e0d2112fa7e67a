/* resource.c — the write path: validate → begin → read current → version
 * check → type hooks → canonical body → index → store → registry → commit. */
#include "fhir/resource.h"

#include <string.h>

#include "core/json.h"
#include "core/limits.h"
#include "core/time.h"
#include "fhir/index.h"
#include "fhir/owner.h"
#include "fhir/registry.h"
#include "fhir/validate.h"

/* A stored record the writer may not see is, to the writer, not there. */
static enum rk_status hidden(struct fhir_ctx *ctx, const struct store_resource *r, bool *out, struct rk_err *err)
{
	*out = false;
	if (!ctx->guard || !ctx->guard->visible)
		return RK_OK;
	bool ok = false;
	enum rk_status rc = ctx->guard->visible(ctx->guard_arg, r, &ok, err);
	*out = !ok;
	return rc;
}

/* References to served types must resolve to a live resource the writer may
 * see; anything else gets the same answer as a reference to nothing. */
static enum rk_status check_ref(void *vctx, struct str type, struct str id, const char *where, struct rk_err *err)
{
	struct fhir_ctx *ctx = vctx;
	const struct fhir_resource_def *def = fhir_resource_find(type.ptr, type.len);
	if (!def)
		return RK_OK; /* a type renkei does not serve: kept as written */
	struct store_resource r;
	enum rk_status rc = store_resource_head(ctx->store, def->name, id, ctx->arena, &r, err);
	bool gone = rc == RK_NOT_FOUND || (rc == RK_OK && r.deleted);
	if (rc == RK_OK && !gone)
		rc = hidden(ctx, &r, &gone, err);
	if (rc == RK_NOT_FOUND || (rc == RK_OK && gone))
		return rk_fail_at(err, RK_INVALID, where, "%s: %.*s/%.*s does not exist", where, STR_FMT(type),
				  STR_FMT(id));
	return rc;
}

/* resourceType, id, meta first (in that order), then the rest as sent. */
static json_t *canonical(const struct fhir_write *w, int64_t now)
{
	json_t *out = json_object();
	json_t *meta = json_object_get(w->res, "meta");
	meta = json_is_object(meta) ? json_deep_copy(meta) : json_object();
	char ts[RK_TIME_RFC3339_LEN], ver[24];
	time_format_rfc3339(now, ts);
	snprintf(ver, sizeof ver, "%lld", (long long)w->version);
	json_object_set_new(meta, "versionId", json_string(ver));
	json_object_set_new(meta, "lastUpdated", json_string(ts));
	json_object_set_new(out, "resourceType", json_string(w->def->name));
	json_object_set_new(out, "id", json_stringn(w->id.ptr, w->id.len));
	json_object_set_new(out, "meta", meta);
	const char *key;
	json_t *val;
	json_object_foreach(w->res, key, val) if (strcmp(key, "resourceType") != 0 && strcmp(key, "id") != 0 &&
						  strcmp(key, "meta") != 0) json_object_set(out, key, val);
	return out;
}

/* The write decision for w (guarded writers only), once both sides are known. */
static enum rk_status authorize(struct fhir_ctx *ctx, struct fhir_write *w, enum write_action act, struct rk_err *err)
{
	if (!ctx->guard || !ctx->guard->authorize)
		return RK_OK;
	enum rk_status rc = RK_OK;
	if (act != WRITE_DELETE)
		rc = fhir_owner_describe(ctx, w->def, w->res, w->source_facility, w->patient_id, &w->fresh, err);
	if (rc == RK_OK)
		w->fresh.names_regional = w->names_regional;
	if (rc != RK_OK)
		return rc;
	return ctx->guard->authorize(ctx->guard_arg, act, w->def->name, w->id, w->has_stored ? &w->stored : NULL,
				     act == WRITE_DELETE ? NULL : &w->fresh, err);
}

static enum rk_status write_version(struct fhir_ctx *ctx, struct fhir_write *w, bool deleted, struct fhir_result *out,
				    struct rk_err *err)
{
	struct store_write sw = {
		.type = w->def->name,
		.id = w->id,
		.version = w->version,
		.last_updated = ctx->now,
		.deleted = deleted,
	};
	json_t *body = NULL;
	struct buf b;
	buf_init(&b, RK_MAX_BODY * 2u);
	enum rk_status rc = RK_OK;
	if (!deleted) {
		if (w->def->prepare && (rc = w->def->prepare(ctx, w, err)) != RK_OK)
			goto out;
		if ((rc = authorize(ctx, w, w->has_stored ? WRITE_UPDATE : WRITE_CREATE, err)) != RK_OK)
			goto out;
		if (w->registered_as.len) {
			rc = registry_patient_conflict(w, w->registered_as, err);
			goto out;
		}
		body = canonical(w, ctx->now);
		if ((rc = rk_json_dump(body, &b)) != RK_OK) {
			rc = rk_fail(err, rc, "resource too large to store");
			goto out;
		}
		struct store_index_entry *ix;
		size_t n_ix;
		if ((rc = fhir_index_extract(w->def, body, ctx->arena, &ix, &n_ix, err)) != RK_OK)
			goto out;
		sw.body = buf_str(&b);
		sw.index = ix;
		sw.n_index = n_ix;
		sw.source_facility = w->source_facility;
		sw.patient_id = w->patient_id;
	} else if (w->prev) {
		sw.source_facility = w->prev->source_facility;
		sw.patient_id = w->prev->patient_id;
		w->source_facility = w->prev->source_facility;
		w->patient_id = w->prev->patient_id;
		if ((rc = authorize(ctx, w, WRITE_DELETE, err)) != RK_OK)
			goto out;
	}
	if ((rc = store_resource_write(ctx->store, &sw, err)) != RK_OK)
		goto out;
	if (!deleted && w->def->after_write && (rc = w->def->after_write(ctx, w, err)) != RK_OK)
		goto out;
	if (deleted && w->def->after_delete && (rc = w->def->after_delete(ctx, w, err)) != RK_OK)
		goto out;
	out->id = w->id;
	out->version = w->version;
	out->last_updated = ctx->now;
	out->body = arena_str(ctx->arena, buf_str(&b));
	if (!out->body.ptr)
		rc = rk_fail(err, RK_TOO_LARGE, "response larger than this request may hold");
out:
	json_decref(body);
	buf_free(&b);
	return rc;
}

/* The stored side of an update or delete, for the write decision: the
 * current version, or — when it is a deletion being re-created — the last
 * version that was not. Only for guarded writers (others decide nothing). */
static enum rk_status describe_stored(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err)
{
	if (!ctx->guard || !ctx->guard->authorize || !w->prev)
		return RK_OK;
	struct store_resource last = *w->prev;
	enum rk_status rc = RK_OK;
	if (last.deleted && last.version > 1)
		rc = store_resource_vread(ctx->store, w->def->name, w->id, last.version - 1, ctx->arena, &last, err);
	if (rc == RK_OK)
		rc = fhir_owner_describe_stored(ctx, w->def, &last, &w->stored, err);
	w->has_stored = rc == RK_OK;
	return rc;
}

/* An update whose body does not validate (rc, err): when the writer may see
 * the stored record but may not write it whatever the new version says (its
 * role, or another facility's record), that refusal is the answer, not the
 * body's fault. Otherwise a writer who reads another facility's consent would
 * be told its patient "does not exist" — true only of what that writer may
 * see of the patient, and no reason it could act on. The new side is what
 * the body says of itself (kind, status, form, terms) with the stored
 * version's owner and patient — what the body could not be resolved to — so
 * the decision's rules apply in their own order (a withdrawal without a form
 * is still needs_form before not_owner). */
static enum rk_status stored_refusal(struct fhir_ctx *ctx, struct fhir_write *w, enum rk_status rc, struct rk_err *err)
{
	if (!ctx->guard || !ctx->guard->authorize)
		return rc;
	struct rk_err mine;
	rk_err_clear(&mine);
	struct write_record fresh;
	enum rk_status st = describe_stored(ctx, w, &mine);
	if (st == RK_OK)
		st = fhir_owner_describe(ctx, w->def, w->res, str_c(w->stored.owner), STR_NULL, &fresh, &mine);
	if (st == RK_OK) {
		fresh.regional_id = w->stored.regional_id;
		st = ctx->guard->authorize(ctx->guard_arg, WRITE_UPDATE, w->def->name, w->id, &w->stored, &fresh,
					   &mine);
	}
	if (st == RK_OK)
		return rc; /* it may write this record: the body is what is wrong */
	*err = mine;
	return st;
}

static enum rk_status tx_begin(struct fhir_ctx *ctx, struct rk_err *err)
{
	return ctx->batch ? RK_OK : store_begin(ctx->store, err);
}

/* Commit on success, roll back on failure (unless the caller holds the transaction). */
static enum rk_status tx_end(struct fhir_ctx *ctx, enum rk_status rc, struct rk_err *err)
{
	if (ctx->batch)
		return rc;
	if (rc == RK_OK)
		return store_commit(ctx->store, err);
	store_rollback(ctx->store);
	return rc;
}

/* A reference by absolute URL to this server ("<fhir.base_url>/Type/id") is
 * a local reference: it becomes "Type/id", so that it is checked (exists,
 * visible, same patient) and indexed like one. Other absolute URLs name
 * records elsewhere and are kept as written. Depth is bounded by validation's
 * own limit (the body was parsed under RK_MAX_JSON_DEPTH). */
static void local_refs(json_t *v, const char *base, size_t bl, int depth)
{
	if (depth > RK_MAX_JSON_DEPTH)
		return;
	if (json_is_array(v)) {
		size_t i;
		json_t *item;
		json_array_foreach(v, i, item) local_refs(item, base, bl, depth + 1);
		return;
	}
	if (!json_is_object(v))
		return;
	json_t *ref = json_object_get(v, "reference");
	if (json_is_string(ref) && json_string_length(ref) > bl + 1 && strncmp(json_string_value(ref), base, bl) == 0 &&
	    json_string_value(ref)[bl] == '/')
		json_object_set_new(v, "reference", json_string(json_string_value(ref) + bl + 1));
	const char *key;
	json_t *val;
	json_object_foreach(v, key, val) local_refs(val, base, bl, depth + 1);
}

static enum rk_status validate(struct fhir_ctx *ctx, const struct fhir_resource_def *def, json_t *res,
			       struct rk_err *err)
{
	const char *base = ctx->cfg ? ctx->cfg->fhir_base_url : "";
	if (base[0])
		local_refs(res, base, strlen(base), 0);
	return fhir_validate(def, res, check_ref, ctx, err);
}

enum rk_status fhir_create(struct fhir_ctx *ctx, const struct fhir_resource_def *def, json_t *res,
			   struct fhir_result *out, struct rk_err *err)
{
	char idbuf[RAND_ID_LEN + 1];
	rand_id(idbuf);
	struct str id = arena_str(ctx->arena, str_c(idbuf));
	if (!id.ptr)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	enum rk_status rc = tx_begin(ctx, err);
	if (rc != RK_OK)
		return rc;
	struct fhir_write w = {.def = def, .res = res, .id = id, .version = 1};
	if ((rc = validate(ctx, def, res, err)) == RK_OK)
		rc = write_version(ctx, &w, false, out, err);
	out->created = true;
	return tx_end(ctx, rc, err);
}

enum rk_status fhir_update(struct fhir_ctx *ctx, const struct fhir_resource_def *def, struct str id, json_t *res,
			   int64_t if_match, struct fhir_result *out, struct rk_err *err)
{
	if (!fhir_id_valid(id))
		return rk_fail(err, RK_INVALID, "'%.*s' is not a valid resource id ([A-Za-z0-9-.]{1,64})", STR_FMT(id));
	json_t *body_id = json_object_get(res, "id");
	if (!json_is_string(body_id))
		return rk_fail_at(err, RK_INVALID, "id",
				  "an update must carry the resource id in the body (id = '%.*s')", STR_FMT(id));
	if (!str_eq(rk_json_strv(body_id), id))
		return rk_fail_at(err, RK_INVALID, "id",
				  "the id in the body ('%.64s') differs from the id in the URL ('%.*s')",
				  json_string_value(body_id), STR_FMT(id));
	enum rk_status rc = tx_begin(ctx, err);
	if (rc != RK_OK)
		return rc;
	struct store_resource prev;
	struct fhir_write w = {.def = def, .res = res, .id = id, .version = 1};
	/* Locked until commit: a concurrent writer of this id waits, then sees this version. */
	rc = store_resource_read_for_write(ctx->store, def->name, id, ctx->arena, &prev, err);
	bool unseen = false; /* there, but not for this writer: answered as if it were not */
	if (rc == RK_OK && (rc = hidden(ctx, &prev, &unseen, err)) == RK_OK && !unseen) {
		w.prev = &prev;
		w.version = prev.version + 1;
	} else if (rc == RK_NOT_FOUND) {
		rc = RK_OK;
	}
	bool exists = w.prev != NULL;
	if (rc == RK_OK && if_match > 0 && (!exists || w.prev->version != if_match))
		rc = !exists ? rk_fail(err, RK_PRECONDITION, "If-Match names version %lld but %s/%.*s does not exist",
				       (long long)if_match, def->name, STR_FMT(id))
		     : if_match < w.prev->version
			     ? rk_fail(err, RK_PRECONDITION,
				       "If-Match names version %lld, but %s/%.*s was changed by another request meanwhile (the "
				       "current version is %lld); read it again before changing it",
				       (long long)if_match, def->name, STR_FMT(id), (long long)w.prev->version)
			     : rk_fail(err, RK_PRECONDITION,
				       "If-Match names version %lld but the current version is %lld",
				       (long long)if_match, (long long)w.prev->version);
	/* Update as create (or over a record this writer may not see): the id must be one it may take. */
	if (rc == RK_OK && !exists && ctx->guard && ctx->guard->create_id)
		rc = ctx->guard->create_id(ctx->guard_arg, def->name, id, err);
	if (rc == RK_OK && unseen) /* an id in the writer's own space taken by a record it cannot see */
		rc = rk_fail(err, RK_CONFLICT, "%s/%.*s cannot be created with this id; choose another", def->name,
			     STR_FMT(id));
	if (rc == RK_OK && (rc = validate(ctx, def, res, err)) == RK_INVALID && exists)
		rc = stored_refusal(ctx, &w, rc, err);
	if (rc == RK_OK)
		rc = describe_stored(ctx, &w, err);
	if (rc == RK_OK)
		rc = write_version(ctx, &w, false, out, err);
	if (rc == RK_CONFLICT && if_match > 0 && err && strcmp(err->code, "version_conflict") == 0) {
		/* A writer the lock did not hold back got there first: for a
		 * conditional update that is a failed precondition. */
		rk_err_clear(err);
		rc = rk_fail(err, RK_PRECONDITION,
			     "If-Match names version %lld, but %s/%.*s was changed by another request meanwhile; read "
			     "it again before changing it",
			     (long long)if_match, def->name, STR_FMT(id));
	}
	out->created = w.prev == NULL || w.prev->deleted; /* re-creating a deleted resource is a create */
	return tx_end(ctx, rc, err);
}

enum rk_status fhir_delete(struct fhir_ctx *ctx, const struct fhir_resource_def *def, struct str id,
			   struct fhir_result *out, struct rk_err *err)
{
	if (!fhir_id_valid(id))
		return rk_fail(err, RK_INVALID, "'%.*s' is not a valid resource id", STR_FMT(id));
	enum rk_status rc = tx_begin(ctx, err);
	if (rc != RK_OK)
		return rc;
	struct store_resource prev;
	rc = store_resource_read_for_write(ctx->store, def->name, id, ctx->arena, &prev, err);
	bool unseen = false;
	if (rc == RK_OK)
		rc = hidden(ctx, &prev, &unseen, err);
	if (rc == RK_NOT_FOUND || (rc == RK_OK && (prev.deleted || unseen))) {
		*out = (struct fhir_result){.id = id, .version = rc == RK_OK && !unseen ? prev.version : 0};
		return tx_end(ctx, RK_OK, err);
	}
	if (rc == RK_OK) {
		struct fhir_write w = {.def = def, .id = id, .version = prev.version + 1, .prev = &prev};
		rc = describe_stored(ctx, &w, err);
		if (rc == RK_OK)
			rc = write_version(ctx, &w, true, out, err);
	}
	return tx_end(ctx, rc, err);
}

enum rk_status fhir_read(struct fhir_ctx *ctx, const struct fhir_resource_def *def, struct str id,
			 struct store_resource *out, struct rk_err *err)
{
	if (!fhir_id_valid(id))
		return rk_fail(err, RK_NOT_FOUND, "%s/%.*s is not known", def->name, STR_FMT(id));
	enum rk_status rc = store_resource_read(ctx->store, def->name, id, ctx->arena, out, err);
	if (rc == RK_NOT_FOUND)
		return rk_fail(err, RK_NOT_FOUND, "%s/%.*s is not known", def->name, STR_FMT(id));
	if (rc == RK_OK && out->deleted)
		return rk_fail(err, RK_GONE, "%s/%.*s was deleted (version %lld)", def->name, STR_FMT(id),
			       (long long)out->version);
	return rc;
}

enum rk_status fhir_vread(struct fhir_ctx *ctx, const struct fhir_resource_def *def, struct str id, int64_t version,
			  struct store_resource *out, struct rk_err *err)
{
	if (!fhir_id_valid(id))
		return rk_fail(err, RK_NOT_FOUND, "%s/%.*s is not known", def->name, STR_FMT(id));
	enum rk_status rc = store_resource_vread(ctx->store, def->name, id, version, ctx->arena, out, err);
	if (rc == RK_NOT_FOUND)
		return rk_fail(err, RK_NOT_FOUND, "%s/%.*s has no version %lld", def->name, STR_FMT(id),
			       (long long)version);
	if (rc == RK_OK && out->deleted)
		return rk_fail(err, RK_GONE, "version %lld of %s/%.*s is a deletion", (long long)version, def->name,
			       STR_FMT(id));
	return rc;
}
