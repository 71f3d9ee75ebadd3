// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * objapi.c: object management: C_CreateObject, C_CopyObject,
 * C_DestroyObject, C_GetObjectSize, C_GetAttributeValue,
 * C_SetAttributeValue, C_FindObjectsInit, C_FindObjects,
 * C_FindObjectsFinal; and ck_object_new(), which every function that
 * makes an object (these and key generation) goes through.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "keys.h"
#include "mech.h"
#include "module.h"

/* Attributes an application may change with C_SetAttributeValue or C_CopyObject. */
static bool changeable(CK_OBJECT_CLASS cls, CK_ATTRIBUTE_TYPE t)
{
	switch (t) {
	case CKA_LABEL:
	case CKA_ID:
	case CKA_START_DATE:
	case CKA_END_DATE:
	case CKA_SUBJECT:
	case CKA_APPLICATION:
		return true;
	case CKA_VALUE:
	case CKA_OBJECT_ID:
		return cls == CKO_DATA;
	case CKA_ISSUER:
	case CKA_SERIAL_NUMBER:
	case CKA_URL:
		return cls == CKO_CERTIFICATE;
	default:
		return false;
	}
}

CK_RV ck_object_new(struct ck_session *s, struct ck_attrs *attrs,
		    struct ck_buf *blob, uint32_t bind, CK_OBJECT_HANDLE *out)
{
	struct ck_slot *slot = s->slot;
	bool token = ck_attrs_bool(attrs, CKA_TOKEN, false);
	bool priv = ck_attrs_bool(attrs, CKA_PRIVATE, false);
	struct ck_object *o;
	CK_RV rv;

	o = calloc(1, sizeof(*o));
	if (!o)
		return CKR_HOST_MEMORY;
	o->slot = slot;
	o->token = token;
	o->priv = priv;
	o->bind = bind;
	if (token) {
		rv = ck_store_obj_add(slot->store,
				      priv ? slot->keys.data_key : NULL, attrs,
				      blob->p, blob->n, &o->store_id);
		if (rv != CKR_OK) {
			free(o);
			return rv;
		}
	} else {
		o->session = s->handle;
	}
	rv = ck_object_add(o);
	if (rv != CKR_OK) {
		if (token)
			ck_store_obj_delete(slot->store, o->store_id);
		free(o);
		return rv;
	}
	o->attrs = *attrs;
	memset(attrs, 0, sizeof(*attrs));
	o->blob = *blob;
	memset(blob, 0, sizeof(*blob));
	o->seen = true;
	*out = o->handle;
	return CKR_OK;
}

CK_RV ck_object_check_new(struct ck_session *s, const struct ck_attrs *attrs)
{
	bool token = ck_attrs_bool(attrs, CKA_TOKEN, false);
	bool priv = ck_attrs_bool(attrs, CKA_PRIVATE, false);

	if (token && !(s->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if (priv && s->slot->login != CK_LOGGED_USER)
		return CKR_USER_NOT_LOGGED_IN;
	if (ck_attrs_get(attrs, CKA_UNIQUE_ID))
		return CKR_ATTRIBUTE_READ_ONLY;
	return CKR_OK;
}

static CK_RV create_plain(struct ck_session *s, struct ck_attrs *a,
			  CK_OBJECT_HANDLE *out)
{
	CK_OBJECT_CLASS cls = ck_attrs_ulong(a, CKA_CLASS, CK_UNAVAILABLE_INFORMATION);
	struct ck_buf none = { 0 };
	CK_RV rv;

	if (cls == CKO_CERTIFICATE) {
		if (ck_attrs_ulong(a, CKA_CERTIFICATE_TYPE,
				   CK_UNAVAILABLE_INFORMATION) != CKC_X_509)
			return CKR_TEMPLATE_INCOMPLETE;
		if (!ck_attrs_get(a, CKA_VALUE))
			return CKR_TEMPLATE_INCOMPLETE;
	}
	rv = ck_object_check_new(s, a);
	if (rv != CKR_OK)
		return rv;
	if (!ck_attrs_get(a, CKA_TOKEN) && ck_attrs_set_bool(a, CKA_TOKEN, false))
		return CKR_HOST_MEMORY;
	if (!ck_attrs_get(a, CKA_PRIVATE) &&
	    ck_attrs_set_bool(a, CKA_PRIVATE, false))
		return CKR_HOST_MEMORY;
	if (!ck_attrs_get(a, CKA_MODIFIABLE) &&
	    ck_attrs_set_bool(a, CKA_MODIFIABLE, true))
		return CKR_HOST_MEMORY;
	if (!ck_attrs_get(a, CKA_COPYABLE) && ck_attrs_set_bool(a, CKA_COPYABLE, true))
		return CKR_HOST_MEMORY;
	if (!ck_attrs_get(a, CKA_DESTROYABLE) &&
	    ck_attrs_set_bool(a, CKA_DESTROYABLE, true))
		return CKR_HOST_MEMORY;
	if (!ck_attrs_get(a, CKA_LABEL) && ck_attrs_set(a, CKA_LABEL, "", 0))
		return CKR_HOST_MEMORY;
	return ck_object_new(s, a, &none, 0, out);
}

CK_RV C_CreateObject(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate,
		     CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phObject)
{
	struct ck_attrs a = { 0 };
	struct ck_session *s;
	CK_OBJECT_CLASS cls;
	CK_RV rv;

	rv = ck_session_get(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	if (!phObject) {
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	rv = ck_attrs_from_template(&a, pTemplate, ulCount);
	if (rv != CKR_OK)
		goto out;
	cls = ck_attrs_ulong(&a, CKA_CLASS, CK_UNAVAILABLE_INFORMATION);
	switch (cls) {
	case CKO_DATA:
	case CKO_CERTIFICATE:
		ck_mutex_lock(&ck_g.lock);
		rv = create_plain(s, &a, phObject);
		ck_mutex_unlock(&ck_g.lock);
		break;
	case CKO_PUBLIC_KEY:
		ck_mutex_lock(&ck_g.lock);
		rv = ck_keys_check_public(&a);
		/* On a fips token, no key of a size or curve it cannot use. */
		if (rv == CKR_OK &&
		    ck_mech_fips_key(s->slot, ck_attrs_ulong(&a, CKA_KEY_TYPE, 0),
				     &a) != CKR_OK)
			rv = CKR_ATTRIBUTE_VALUE_INVALID;
		if (rv == CKR_OK)
			rv = create_plain(s, &a, phObject);
		ck_mutex_unlock(&ck_g.lock);
		break;
	case CKO_SECRET_KEY:
	case CKO_PRIVATE_KEY:
		rv = ck_keys_import(s, &a, phObject);
		break;
	case CK_UNAVAILABLE_INFORMATION:
		rv = CKR_TEMPLATE_INCOMPLETE;
		break;
	default:
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
		break;
	}
	ck_attrs_free(&a);
out:
	ck_session_put(s);
	return rv;
}

CK_RV C_CopyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
		   CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
		   CK_OBJECT_HANDLE_PTR phNewObject)
{
	struct ck_attrs t = { 0 }, a = { 0 };
	struct ck_buf blob = { 0 };
	struct ck_session *s;
	struct ck_object *o;
	CK_OBJECT_CLASS cls;
	CK_ULONG i;
	CK_RV rv;

	rv = ck_session_get(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	if (!phNewObject) {
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	rv = ck_attrs_from_template(&t, pTemplate, ulCount);
	if (rv != CKR_OK)
		goto out;
	ck_mutex_lock(&ck_g.lock);
	o = ck_object_find(s, hObject);
	if (!o) {
		rv = CKR_OBJECT_HANDLE_INVALID;
		goto unlock;
	}
	if (!ck_attrs_bool(&o->attrs, CKA_COPYABLE, true)) {
		rv = CKR_ACTION_PROHIBITED;
		goto unlock;
	}
	cls = ck_attrs_ulong(&o->attrs, CKA_CLASS, CKO_DATA);
	for (i = 0; i < t.n; i++) {
		CK_ATTRIBUTE_TYPE ty = t.v[i].type;

		if (ty == CKA_TOKEN || ty == CKA_PRIVATE || ty == CKA_MODIFIABLE ||
		    ty == CKA_DESTROYABLE || ty == CKA_COPYABLE ||
		    changeable(cls, ty))
			continue;
		rv = CKR_ATTRIBUTE_READ_ONLY;
		goto unlock;
	}
	/*
	 * A key bound to a session cannot outlive it as a token object: its
	 * binding must be the one token objects have in the token's mode
	 * (none in default and strict mode, the shared session in vhsm and
	 * fips mode).
	 */
	if (ck_attrs_bool(&t, CKA_TOKEN, o->token) &&
	    o->bind != ck_login_bind_for(s, true)) {
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
		goto unlock;
	}
	if (ck_attrs_dup(&a, &o->attrs) || ck_attrs_merge(&a, &t)) {
		rv = CKR_HOST_MEMORY;
		goto unlock;
	}
	/* A private key stays private. */
	if (o->priv && !ck_attrs_bool(&a, CKA_PRIVATE, true)) {
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
		goto unlock;
	}
	rv = ck_object_check_new(s, &a);
	if (rv != CKR_OK)
		goto unlock;
	if (o->blob.n) {
		blob.p = OPENSSL_malloc(o->blob.n);
		if (!blob.p) {
			rv = CKR_HOST_MEMORY;
			goto unlock;
		}
		memcpy(blob.p, o->blob.p, o->blob.n);
		blob.n = o->blob.n;
	}
	rv = ck_object_new(s, &a, &blob, o->bind, phNewObject);
unlock:
	ck_mutex_unlock(&ck_g.lock);
	ck_buf_free(&blob);
	ck_attrs_free(&a);
	ck_attrs_free(&t);
out:
	ck_session_put(s);
	return rv;
}

CK_RV C_DestroyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject)
{
	struct ck_session *s;
	struct ck_object *o;
	CK_RV rv;

	rv = ck_session_get(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	ck_mutex_lock(&ck_g.lock);
	o = ck_object_find(s, hObject);
	if (!o) {
		rv = CKR_OBJECT_HANDLE_INVALID;
	} else if (!ck_attrs_bool(&o->attrs, CKA_DESTROYABLE, true)) {
		rv = CKR_ACTION_PROHIBITED;
	} else if (o->token && !(s->flags & CKF_RW_SESSION)) {
		rv = CKR_SESSION_READ_ONLY;
	} else {
		if (o->token)
			rv = ck_store_obj_delete(s->slot->store, o->store_id);
		if (rv == CKR_OK || rv == CKR_OBJECT_HANDLE_INVALID) {
			ck_object_remove(o);
			rv = CKR_OK;
		}
	}
	ck_mutex_unlock(&ck_g.lock);
	ck_session_put(s);
	return rv;
}

CK_RV C_GetObjectSize(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
		      CK_ULONG_PTR pulSize)
{
	struct ck_session *s;
	struct ck_object *o;
	CK_RV rv;
	size_t i;

	rv = ck_session_get(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	if (!pulSize) {
		ck_session_put(s);
		return CKR_ARGUMENTS_BAD;
	}
	ck_mutex_lock(&ck_g.lock);
	o = ck_object_find(s, hObject);
	if (!o) {
		rv = CKR_OBJECT_HANDLE_INVALID;
	} else {
		*pulSize = o->blob.n;
		for (i = 0; i < o->attrs.n; i++)
			*pulSize += sizeof(CK_ATTRIBUTE) + o->attrs.v[i].ulValueLen;
	}
	ck_mutex_unlock(&ck_g.lock);
	ck_session_put(s);
	return rv;
}

static bool is_key_material(const struct ck_object *o, CK_ATTRIBUTE_TYPE t)
{
	const struct ck_attr_def *d = ck_attr_def(t);
	CK_OBJECT_CLASS cls = ck_attrs_ulong(&o->attrs, CKA_CLASS, CKO_DATA);

	return d && (d->flags & CK_AF_SENSITIVE) &&
	       (cls == CKO_SECRET_KEY || cls == CKO_PRIVATE_KEY);
}

/* One attribute into the caller's template entry, length-query convention. */
static CK_RV put_attr(CK_ATTRIBUTE *t, const CK_ATTRIBUTE *a)
{
	if (!t->pValue) {
		t->ulValueLen = a->ulValueLen;
		return CKR_OK;
	}
	if (t->ulValueLen < a->ulValueLen) {
		t->ulValueLen = CK_UNAVAILABLE_INFORMATION;
		return CKR_BUFFER_TOO_SMALL;
	}
	if (a->ulValueLen)
		memcpy(t->pValue, a->pValue, a->ulValueLen);
	t->ulValueLen = a->ulValueLen;
	return CKR_OK;
}

CK_RV C_GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
			  CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	struct ck_attrs secret = { 0 };
	struct ck_session *s;
	struct ck_object *o;
	CK_RV rv, r;
	CK_ULONG i;

	rv = ck_session_get(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	if (!pTemplate && ulCount) {
		ck_session_put(s);
		return CKR_ARGUMENTS_BAD;
	}
	ck_mutex_lock(&ck_g.lock);
	o = ck_object_find(s, hObject);
	if (!o) {
		ck_mutex_unlock(&ck_g.lock);
		ck_session_put(s);
		return CKR_OBJECT_HANDLE_INVALID;
	}
	for (i = 0; i < ulCount; i++) {
		CK_ATTRIBUTE *t = &pTemplate[i];
		const CK_ATTRIBUTE *a = ck_attrs_get(&o->attrs, t->type);

		if (!a && is_key_material(o, t->type)) {
			if (ck_attrs_bool(&o->attrs, CKA_SENSITIVE, true) ||
			    !ck_attrs_bool(&o->attrs, CKA_EXTRACTABLE, false)) {
				t->ulValueLen = CK_UNAVAILABLE_INFORMATION;
				rv = CKR_ATTRIBUTE_SENSITIVE;
				continue;
			}
			r = ck_keys_read_value(s, o, t->type, &secret);
			a = ck_attrs_get(&secret, t->type);
			if (r != CKR_OK || !a) {
				t->ulValueLen = CK_UNAVAILABLE_INFORMATION;
				rv = r != CKR_OK ? r : CKR_ATTRIBUTE_TYPE_INVALID;
				continue;
			}
		}
		if (!a) {
			t->ulValueLen = CK_UNAVAILABLE_INFORMATION;
			if (rv == CKR_OK)
				rv = CKR_ATTRIBUTE_TYPE_INVALID;
			continue;
		}
		r = put_attr(t, a);
		if (r != CKR_OK && rv == CKR_OK)
			rv = r;
	}
	ck_mutex_unlock(&ck_g.lock);
	ck_attrs_free(&secret);
	ck_session_put(s);
	return rv;
}

CK_RV C_SetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
			  CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	struct ck_attrs t = { 0 }, a = { 0 };
	struct ck_session *s;
	struct ck_object *o;
	CK_OBJECT_CLASS cls;
	CK_RV rv;
	size_t i;

	rv = ck_session_get(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	rv = ck_attrs_from_template(&t, pTemplate, ulCount);
	if (rv != CKR_OK)
		goto out;
	ck_mutex_lock(&ck_g.lock);
	o = ck_object_find(s, hObject);
	if (!o) {
		rv = CKR_OBJECT_HANDLE_INVALID;
		goto unlock;
	}
	if (o->token && !(s->flags & CKF_RW_SESSION)) {
		rv = CKR_SESSION_READ_ONLY;
		goto unlock;
	}
	if (!ck_attrs_bool(&o->attrs, CKA_MODIFIABLE, true)) {
		rv = CKR_ACTION_PROHIBITED;
		goto unlock;
	}
	cls = ck_attrs_ulong(&o->attrs, CKA_CLASS, CKO_DATA);
	for (i = 0; i < t.n; i++)
		if (!changeable(cls, t.v[i].type)) {
			rv = ck_attr_def(t.v[i].type) ? CKR_ATTRIBUTE_READ_ONLY :
			     CKR_ATTRIBUTE_TYPE_INVALID;
			goto unlock;
		}
	if (ck_attrs_dup(&a, &o->attrs) || ck_attrs_merge(&a, &t)) {
		rv = CKR_HOST_MEMORY;
		goto unlock;
	}
	if (o->token) {
		rv = ck_store_obj_update(s->slot->store,
					 o->priv ? s->slot->keys.data_key : NULL,
					 o->store_id, &a, o->blob.p, o->blob.n);
		if (rv != CKR_OK)
			goto unlock;
	}
	ck_attrs_free(&o->attrs);
	o->attrs = a;
	memset(&a, 0, sizeof(a));
unlock:
	ck_mutex_unlock(&ck_g.lock);
	ck_attrs_free(&a);
	ck_attrs_free(&t);
out:
	ck_session_put(s);
	return rv;
}

CK_RV C_FindObjectsInit(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate,
			CK_ULONG ulCount)
{
	struct ck_session *s;
	struct ck_oper *op;
	CK_RV rv;
	size_t i;

	rv = ck_session_get(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	if (!pTemplate && ulCount) {
		ck_session_put(s);
		return CKR_ARGUMENTS_BAD;
	}
	ck_mutex_lock(&s->op_lock);
	op = &s->ops[CK_OPK_FIND];
	if (op->active) {
		rv = CKR_OPERATION_ACTIVE;
		goto out;
	}
	ck_mutex_lock(&ck_g.lock);
	rv = ck_objects_sync(s->slot);
	if (rv == CKR_OK && ck_g.nobjects) {
		op->found = calloc(ck_g.nobjects, sizeof(*op->found));
		if (!op->found)
			rv = CKR_HOST_MEMORY;
	}
	if (rv == CKR_OK) {
		for (i = 0; i < ck_g.nobjects; i++) {
			struct ck_object *o = ck_g.objects[i];

			if (ck_object_visible(s, o) &&
			    ck_object_matches(o, pTemplate, ulCount))
				op->found[op->nfound++] = o->handle;
		}
		op->active = true;
	}
	ck_mutex_unlock(&ck_g.lock);
	if (rv != CKR_OK)
		ck_op_reset(op);
out:
	ck_mutex_unlock(&s->op_lock);
	ck_session_put(s);
	return rv;
}

CK_RV C_FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject,
		    CK_ULONG ulMaxObjectCount, CK_ULONG_PTR pulObjectCount)
{
	struct ck_session *s;
	struct ck_oper *op;
	CK_RV rv;

	rv = ck_session_get(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	if ((!phObject && ulMaxObjectCount) || !pulObjectCount) {
		ck_session_put(s);
		return CKR_ARGUMENTS_BAD;
	}
	ck_mutex_lock(&s->op_lock);
	op = &s->ops[CK_OPK_FIND];
	if (!op->active) {
		rv = CKR_OPERATION_NOT_INITIALIZED;
	} else {
		*pulObjectCount = 0;
		while (op->next < op->nfound && *pulObjectCount < ulMaxObjectCount)
			phObject[(*pulObjectCount)++] = op->found[op->next++];
	}
	ck_mutex_unlock(&s->op_lock);
	ck_session_put(s);
	return rv;
}

CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE hSession)
{
	struct ck_session *s;
	CK_RV rv;

	rv = ck_session_get(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	ck_mutex_lock(&s->op_lock);
	if (!s->ops[CK_OPK_FIND].active)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	ck_op_reset(&s->ops[CK_OPK_FIND]);
	ck_mutex_unlock(&s->op_lock);
	ck_session_put(s);
	return rv;
}
