// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * object.c: the process's object table.  Token objects are a cache of the
 * token's store, refreshed when the store's generation moves (another
 * process wrote) or the login state changes; their handles stay the same
 * across refreshes while the row lives.  Session objects live here only.
 * Handles only grow and are never reused, so a handle made invalid by a
 * logout stays invalid after the next login.  Lib lock held throughout.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "module.h"

static struct ck_object *find_handle(CK_OBJECT_HANDLE h, size_t *pos)
{
	size_t lo = 0, hi = ck_g.nobjects;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		struct ck_object *o = ck_g.objects[mid];

		if (o->handle == h) {
			if (pos)
				*pos = mid;
			return o;
		}
		if (o->handle < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool ck_object_visible(const struct ck_session *s, const struct ck_object *o)
{
	if (o->slot != s->slot)
		return false;
	if (o->priv && s->slot->login != CK_LOGGED_USER)
		return false;
	return true;
}

struct ck_object *ck_object_find(struct ck_session *s, CK_OBJECT_HANDLE h)
{
	struct ck_object *o = find_handle(h, NULL);

	if (!o || !ck_object_visible(s, o))
		return NULL;
	return o;
}

CK_RV ck_object_add(struct ck_object *o)
{
	if (ck_g.nobjects == ck_g.capobjects) {
		size_t cap = ck_g.capobjects ? ck_g.capobjects * 2 : 64;
		struct ck_object **v = realloc(ck_g.objects, cap * sizeof(*v));

		if (!v)
			return CKR_HOST_MEMORY;
		ck_g.objects = v;
		ck_g.capobjects = cap;
	}
	o->handle = ck_g.next_object++;
	ck_g.objects[ck_g.nobjects++] = o;
	return CKR_OK;
}

void ck_object_free(struct ck_object *o)
{
	if (!o)
		return;
	ck_attrs_free(&o->attrs);
	ck_buf_free(&o->blob);
	free(o);
}

void ck_object_remove(struct ck_object *o)
{
	size_t pos;

	if (find_handle(o->handle, &pos) == o) {
		memmove(&ck_g.objects[pos], &ck_g.objects[pos + 1],
			(ck_g.nobjects - pos - 1) * sizeof(o));
		ck_g.nobjects--;
	}
	ck_object_free(o);
}

/* Removes every object for which @drop says so. */
static void drop_if(bool (*drop)(const struct ck_object *o, const void *arg),
		    const void *arg)
{
	size_t i, k = 0;

	for (i = 0; i < ck_g.nobjects; i++) {
		struct ck_object *o = ck_g.objects[i];

		if (drop(o, arg))
			ck_object_free(o);
		else
			ck_g.objects[k++] = o;
	}
	ck_g.nobjects = k;
	if (!k) {
		free(ck_g.objects);
		ck_g.objects = NULL;
		ck_g.capobjects = 0;
	}
}

static bool of_session(const struct ck_object *o, const void *arg)
{
	return !o->token && o->session == *(const CK_SESSION_HANDLE *)arg;
}

void ck_objects_drop_session(CK_SESSION_HANDLE h)
{
	drop_if(of_session, &h);
}

static bool private_of(const struct ck_object *o, const void *arg)
{
	return o->slot == arg && o->priv;
}

void ck_objects_drop_private(struct ck_slot *slot)
{
	drop_if(private_of, slot);
	slot->objects_private = false;
}

static bool of_slot(const struct ck_object *o, const void *arg)
{
	return o->slot == arg;
}

void ck_objects_drop_slot(struct ck_slot *slot)
{
	drop_if(of_slot, slot);
	slot->objects_gen = 0;
	slot->objects_private = false;
}

struct sync_ctx {
	struct ck_slot *slot;
	CK_RV err;
};

static struct ck_object *find_row(struct ck_slot *slot, int64_t id)
{
	size_t i;

	for (i = 0; i < ck_g.nobjects; i++) {
		struct ck_object *o = ck_g.objects[i];

		if (o->slot == slot && o->token && o->store_id == id)
			return o;
	}
	return NULL;
}

static CK_RV sync_row(void *arg, int64_t id, bool priv, struct ck_attrs *attrs,
		      const void *blob, size_t bloblen)
{
	struct sync_ctx *c = arg;
	struct ck_object *o = find_row(c->slot, id);
	struct ck_buf b = { 0 };

	if (bloblen) {
		b.p = OPENSSL_malloc(bloblen);
		if (!b.p)
			return CKR_HOST_MEMORY;
		memcpy(b.p, blob, bloblen);
		b.n = bloblen;
	}
	if (o) {
		ck_attrs_free(&o->attrs);
		ck_buf_free(&o->blob);
	} else {
		o = calloc(1, sizeof(*o));
		if (!o || ck_object_add(o) != CKR_OK) {
			free(o);
			ck_buf_free(&b);
			return CKR_HOST_MEMORY;
		}
		o->slot = c->slot;
		o->token = true;
		o->store_id = id;
	}
	o->attrs = *attrs;
	memset(attrs, 0, sizeof(*attrs));
	o->blob = b;
	o->priv = priv;
	o->seen = true;
	return CKR_OK;
}

static bool unseen_token(const struct ck_object *o, const void *arg)
{
	return o->slot == arg && o->token && !o->seen;
}

CK_RV ck_objects_sync(struct ck_slot *slot)
{
	bool want_private = slot->login == CK_LOGGED_USER;
	uint64_t gen = ck_store_generation(slot->store) + 1;
	struct sync_ctx c = { .slot = slot };
	size_t i;
	CK_RV rv;

	if (slot->objects_gen == gen && slot->objects_private == want_private)
		return CKR_OK;
	for (i = 0; i < ck_g.nobjects; i++)
		if (ck_g.objects[i]->slot == slot)
			ck_g.objects[i]->seen = false;
	rv = ck_store_obj_load(slot->store,
			       want_private ? slot->keys.data_key : NULL,
			       sync_row, &c);
	if (rv != CKR_OK)
		return rv;
	drop_if(unseen_token, slot);
	slot->objects_gen = gen;
	slot->objects_private = want_private;
	return CKR_OK;
}

bool ck_object_matches(const struct ck_object *o, const CK_ATTRIBUTE *tmpl,
		       CK_ULONG n)
{
	CK_ULONG i;

	for (i = 0; i < n; i++) {
		const CK_ATTRIBUTE *a = ck_attrs_get(&o->attrs, tmpl[i].type);

		if (!a || a->ulValueLen != tmpl[i].ulValueLen)
			return false;
		if (a->ulValueLen && memcmp(a->pValue, tmpl[i].pValue,
					    a->ulValueLen))
			return false;
	}
	return true;
}
