// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * keys.c: keys on the card.  C_GenerateKey, C_GenerateKeyPair,
 * C_WrapKey, C_UnwrapKey, C_DeriveKey; import of clear secret and private
 * keys (C_CreateObject); public keys for local use.
 *
 * A new key's attributes: what the application's template says, then
 * what the card reports for the blob (GetAttributeValue), which wins;
 * key material never enters the object.  The card is given only the
 * template attributes it keeps in the blob; the library keeps the others
 * (CKA_SIGN_RECOVER, CKA_ALLOWED_MECHANISMS, ...).
 *
 * Import, as openCryptoki's EP11 token does it: the card makes an AES-256
 * transport key (sensitive, not extractable, unbound, kept per process:
 * its value never leaves the card), encrypts the clear key under it
 * (EncryptSingle, CKM_AES_CBC_PAD with a random IV) and unwraps the
 * result into a blob with the same mechanism.
 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "keys.h"
#include "mech.h"

/* Attributes the library keeps and the card never sees. */
static bool library_only(CK_ATTRIBUTE_TYPE t)
{
	switch (t) {
	case CKA_SIGN_RECOVER:
	case CKA_VERIFY_RECOVER:
	case CKA_ALLOWED_MECHANISMS:
	case CKA_TRUSTED:
	case CKA_APPLICATION:
		return true;
	default:
		return false;
	}
}

static CK_RV card_template(const struct ck_attrs *in, struct ck_attrs *out)
{
	size_t i;

	for (i = 0; i < in->n; i++) {
		const struct ck_attr_def *d = ck_attr_def(in->v[i].type);

		if (library_only(in->v[i].type))
			continue;
		if (d && d->kind == CK_ATTR_ATTRS)
			continue;
		if (ck_attrs_set(out, in->v[i].type, in->v[i].pValue,
				 in->v[i].ulValueLen))
			return CKR_HOST_MEMORY;
	}
	return CKR_OK;
}

static CK_RV set_default_bool(struct ck_attrs *a, CK_ATTRIBUTE_TYPE t, bool v)
{
	if (ck_attrs_get(a, t))
		return CKR_OK;
	return ck_attrs_set_bool(a, t, v) ? CKR_HOST_MEMORY : CKR_OK;
}

/* The template of a new key of @cls, with the library's defaults. */
static CK_RV key_template(const CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_CLASS cls,
			  CK_KEY_TYPE type, struct ck_attrs *a)
{
	CK_RV rv = ck_attrs_from_template(a, t, n);

	if (rv != CKR_OK)
		return rv;
	if (ck_attrs_ulong(a, CKA_CLASS, cls) != cls)
		return CKR_TEMPLATE_INCONSISTENT;
	if (type != CK_UNAVAILABLE_INFORMATION &&
	    ck_attrs_ulong(a, CKA_KEY_TYPE, type) != type)
		return CKR_TEMPLATE_INCONSISTENT;
	if (ck_attrs_set_ulong(a, CKA_CLASS, cls))
		return CKR_HOST_MEMORY;
	if (type != CK_UNAVAILABLE_INFORMATION &&
	    ck_attrs_set_ulong(a, CKA_KEY_TYPE, type))
		return CKR_HOST_MEMORY;
	/* A key that wants a login per use is not one the library can honour. */
	if (cls == CKO_PRIVATE_KEY && ck_attrs_bool(a, CKA_ALWAYS_AUTHENTICATE, false))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	rv = set_default_bool(a, CKA_TOKEN, false);
	if (rv == CKR_OK && cls == CKO_PRIVATE_KEY)
		rv = set_default_bool(a, CKA_ALWAYS_AUTHENTICATE, false);
	if (rv == CKR_OK)
		rv = set_default_bool(a, CKA_PRIVATE, cls != CKO_PUBLIC_KEY);
	if (rv == CKR_OK)
		rv = set_default_bool(a, CKA_MODIFIABLE, true);
	if (rv == CKR_OK)
		rv = set_default_bool(a, CKA_COPYABLE, true);
	if (rv == CKR_OK)
		rv = set_default_bool(a, CKA_DESTROYABLE, true);
	if (rv == CKR_OK && !ck_attrs_get(a, CKA_LABEL) &&
	    ck_attrs_set(a, CKA_LABEL, "", 0))
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK && !ck_attrs_get(a, CKA_ID) && ck_attrs_set(a, CKA_ID, "", 0))
		rv = CKR_HOST_MEMORY;
	return rv;
}

struct attrs_arg {
	const struct ck_buf *blob;
	struct ck_attrs *out;
};

static CK_RV get_all(struct ck_card_ctx *c, void *arg)
{
	struct attrs_arg *a = arg;

	return ck_card_get_attrs(c, a->blob, NULL, 0, a->out);
}

/* @a += what the card says of @blob, key material left out. */
static CK_RV add_card_attrs(struct ck_session *s, uint32_t bind,
			    const struct ck_buf *blob, struct ck_attrs *a)
{
	struct ck_attrs card = { 0 };
	struct attrs_arg arg = { blob, &card };
	CK_OBJECT_CLASS cls;
	CK_ULONG dev = 0;
	size_t i;
	CK_RV rv;

	rv = ck_slot_call(s->slot, bind, get_all, &arg, &dev);
	atomic_store(&s->device_error, dev);
	if (rv != CKR_OK)
		return rv;
	cls = ck_attrs_ulong(&card, CKA_CLASS, CKO_DATA);
	for (i = 0; i < card.n; i++) {
		const struct ck_attr_def *d = ck_attr_def(card.v[i].type);

		if (d && (d->flags & CK_AF_SENSITIVE) &&
		    (cls == CKO_SECRET_KEY || cls == CKO_PRIVATE_KEY))
			continue;
		/* The library's view of these wins: they can change. */
		if (card.v[i].type == CKA_LABEL || card.v[i].type == CKA_ID ||
		    card.v[i].type == CKA_TOKEN || card.v[i].type == CKA_PRIVATE ||
		    card.v[i].type == CKA_MODIFIABLE ||
		    card.v[i].type == CKA_COPYABLE ||
		    card.v[i].type == CKA_DESTROYABLE)
			continue;
		if (ck_attrs_set(a, card.v[i].type, card.v[i].pValue,
				 card.v[i].ulValueLen)) {
			rv = CKR_HOST_MEMORY;
			break;
		}
	}
	ck_attrs_free(&card);
	return rv;
}

static void set_dev_error(struct ck_session *s, CK_ULONG dev)
{
	atomic_store(&s->device_error, dev);
}

/* What the application can do with a session's login right now: lib lock taken. */
static CK_RV begin_new(struct ck_session *s, const struct ck_attrs *a,
		       uint32_t *bind)
{
	CK_RV rv;

	ck_mutex_lock(&ck_g.lock);
	rv = ck_object_check_new(s, a);
	if (rv == CKR_OK)
		*bind = ck_login_bind_for(s, ck_attrs_bool(a, CKA_TOKEN, false));
	ck_mutex_unlock(&ck_g.lock);
	return rv;
}

/* The card's attributes of a new key's @blob into @a, then its object. */
static CK_RV new_key_object(struct ck_session *s, uint32_t bind,
			    struct ck_buf *blob, struct ck_attrs *a,
			    CK_OBJECT_HANDLE *out)
{
	CK_RV rv = add_card_attrs(s, bind, blob, a);

	if (rv != CKR_OK)
		return rv;
	ck_mutex_lock(&ck_g.lock);
	rv = ck_object_check_new(s, a);
	if (rv == CKR_OK)
		rv = ck_object_new(s, a, blob, bind, out);
	ck_mutex_unlock(&ck_g.lock);
	return rv;
}

struct gen_arg {
	const CK_MECHANISM *mech;
	const struct ck_attrs *t1, *t2;
	struct ck_buf *b1, *b2, *spki;
	int err;
};

static CK_RV gen_key(struct ck_card_ctx *c, void *arg)
{
	struct gen_arg *g = arg;
	CK_RV rv = ck_card_generate_key(c, g->mech, g->t1, g->b1);

	g->err = c->err;
	return rv;
}

static CK_RV gen_pair(struct ck_card_ctx *c, void *arg)
{
	struct gen_arg *g = arg;
	CK_RV rv = ck_card_generate_key_pair(c, g->mech, g->t1, g->t2, g->b1,
					     g->b2, g->spki);

	g->err = c->err;
	return rv;
}

static CK_KEY_TYPE gen_key_type(CK_MECHANISM_TYPE m)
{
	const struct ck_mech_def *d = ck_mech_def(m);

	return d ? d->key_type : CK_UNAVAILABLE_INFORMATION;
}

CK_RV C_GenerateKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		    CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
		    CK_OBJECT_HANDLE_PTR phKey)
{
	struct ck_attrs a = { 0 }, ct = { 0 };
	struct ck_buf blob = { 0 };
	struct gen_arg g = { 0 };
	struct ck_session *s;
	uint32_t bind = 0;
	CK_ULONG dev = 0;
	CK_RV rv;

	rv = ck_session_get(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	if (!pMechanism || !phKey) {
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	rv = ck_mech_check(s->slot, pMechanism->mechanism, CK_MF_GEN);
	if (rv != CKR_OK)
		goto out;
	rv = key_template(pTemplate, ulCount, CKO_SECRET_KEY,
			  gen_key_type(pMechanism->mechanism), &a);
	if (rv == CKR_OK)
		rv = ck_mech_fips_key(s->slot, gen_key_type(pMechanism->mechanism),
				      &a);
	if (rv == CKR_OK)
		rv = begin_new(s, &a, &bind);
	if (rv == CKR_OK)
		rv = card_template(&a, &ct);
	if (rv != CKR_OK)
		goto out;
	g.mech = pMechanism;
	g.t1 = &ct;
	g.b1 = &blob;
	rv = ck_slot_call(s->slot, bind, gen_key, &g, &dev);
	set_dev_error(s, dev);
	if (rv != CKR_OK) {
		rv = ck_login_stale(s, rv, g.err);
		goto out;
	}
	rv = new_key_object(s, bind, &blob, &a, phKey);
out:
	ck_buf_free(&blob);
	ck_attrs_free(&ct);
	ck_attrs_free(&a);
	ck_session_put(s);
	return rv;
}

CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
			CK_ATTRIBUTE_PTR pPublicKeyTemplate,
			CK_ULONG ulPublicKeyAttributeCount,
			CK_ATTRIBUTE_PTR pPrivateKeyTemplate,
			CK_ULONG ulPrivateKeyAttributeCount,
			CK_OBJECT_HANDLE_PTR phPublicKey,
			CK_OBJECT_HANDLE_PTR phPrivateKey)
{
	struct ck_attrs pa = { 0 }, va = { 0 }, pct = { 0 }, vct = { 0 };
	struct ck_buf pub = { 0 }, priv = { 0 }, spki = { 0 };
	struct gen_arg g = { 0 };
	struct ck_session *s;
	uint32_t bind = 0, pbind = 0;
	CK_ULONG dev = 0;
	CK_KEY_TYPE kt;
	CK_RV rv;

	rv = ck_session_get(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	if (!pMechanism || !phPublicKey || !phPrivateKey) {
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	rv = ck_mech_check(s->slot, pMechanism->mechanism, CK_MF_GENPAIR);
	if (rv != CKR_OK)
		goto out;
	kt = gen_key_type(pMechanism->mechanism);
	rv = key_template(pPublicKeyTemplate, ulPublicKeyAttributeCount,
			  CKO_PUBLIC_KEY, kt, &pa);
	if (rv == CKR_OK)
		rv = key_template(pPrivateKeyTemplate, ulPrivateKeyAttributeCount,
				  CKO_PRIVATE_KEY, kt, &va);
	/* The size (RSA) and the curve (EC) are in the public template. */
	if (rv == CKR_OK)
		rv = ck_mech_fips_key(s->slot, kt, &pa);
	if (rv == CKR_OK)
		rv = begin_new(s, &pa, &pbind);
	if (rv == CKR_OK)
		rv = begin_new(s, &va, &bind);
	if (rv == CKR_OK)
		rv = card_template(&pa, &pct);
	if (rv == CKR_OK)
		rv = card_template(&va, &vct);
	if (rv != CKR_OK)
		goto out;
	/* Both halves come from one request: the private key's binding. */
	g.mech = pMechanism;
	g.t1 = &pct;
	g.t2 = &vct;
	g.b1 = &priv;
	g.b2 = &pub;
	g.spki = &spki;
	rv = ck_slot_call(s->slot, bind, gen_pair, &g, &dev);
	set_dev_error(s, dev);
	if (rv != CKR_OK) {
		rv = ck_login_stale(s, rv, g.err);
		goto out;
	}
	rv = add_card_attrs(s, bind, &priv, &va);
	if (rv == CKR_OK)
		rv = add_card_attrs(s, bind, &pub, &pa);
	if (rv == CKR_OK && !ck_attrs_get(&pa, CKA_PUBLIC_KEY_INFO) &&
	    ck_attrs_set(&pa, CKA_PUBLIC_KEY_INFO, spki.p, spki.n))
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK && !ck_attrs_get(&va, CKA_PUBLIC_KEY_INFO) &&
	    ck_attrs_set(&va, CKA_PUBLIC_KEY_INFO, spki.p, spki.n))
		rv = CKR_HOST_MEMORY;
	if (rv != CKR_OK)
		goto out;
	ck_mutex_lock(&ck_g.lock);
	rv = ck_object_check_new(s, &pa);
	if (rv == CKR_OK)
		rv = ck_object_check_new(s, &va);
	if (rv == CKR_OK)
		rv = ck_object_new(s, &pa, &pub, bind, phPublicKey);
	if (rv == CKR_OK) {
		rv = ck_object_new(s, &va, &priv, bind, phPrivateKey);
		if (rv != CKR_OK) {
			struct ck_object *o = ck_object_find(s, *phPublicKey);

			if (o && o->token)
				ck_store_obj_delete(s->slot->store, o->store_id);
			if (o)
				ck_object_remove(o);
		}
	}
	ck_mutex_unlock(&ck_g.lock);
out:
	ck_buf_free(&pub);
	ck_buf_free(&priv);
	ck_buf_free(&spki);
	ck_attrs_free(&pct);
	ck_attrs_free(&vct);
	ck_attrs_free(&pa);
	ck_attrs_free(&va);
	ck_session_put(s);
	return rv;
}

/* A copy of a key object's blob and its binding, checked for use; lib lock taken. */
CK_RV ck_keys_take(struct ck_session *s, CK_OBJECT_HANDLE h, struct ck_buf *blob,
		   uint32_t *bind, struct ck_attrs *attrs)
{
	struct ck_object *o;
	CK_RV rv = CKR_OK;

	ck_mutex_lock(&ck_g.lock);
	o = ck_object_find(s, h);
	if (!o) {
		rv = CKR_KEY_HANDLE_INVALID;
		goto out;
	}
	if (attrs && ck_attrs_dup(attrs, &o->attrs)) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	if (o->blob.n) {
		blob->p = OPENSSL_malloc(o->blob.n);
		if (!blob->p) {
			rv = CKR_HOST_MEMORY;
			goto out;
		}
		memcpy(blob->p, o->blob.p, o->blob.n);
		blob->n = o->blob.n;
		rv = ck_login_bind_of_blob(s, blob, bind);
	}
out:
	ck_mutex_unlock(&ck_g.lock);
	if (rv != CKR_OK) {
		ck_buf_free(blob);
		if (attrs)
			ck_attrs_free(attrs);
	}
	return rv;
}

struct wrap_arg {
	const CK_MECHANISM *mech;
	const struct ck_buf *k1, *k2;
	const void *in;
	size_t inlen;
	const struct ck_attrs *tmpl;
	struct ck_buf *out;
	int err;
};

static CK_RV do_wrap(struct ck_card_ctx *c, void *arg)
{
	struct wrap_arg *w = arg;
	CK_RV rv = ck_card_wrap(c, w->mech, w->k1, w->k2, w->out);

	w->err = c->err;
	return rv;
}

static CK_RV do_unwrap(struct ck_card_ctx *c, void *arg)
{
	struct wrap_arg *w = arg;
	CK_RV rv = ck_card_unwrap(c, w->mech, w->k1, w->in, w->inlen, w->tmpl,
				  w->out);

	w->err = c->err;
	return rv;
}

CK_RV C_WrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		CK_OBJECT_HANDLE hWrappingKey, CK_OBJECT_HANDLE hKey,
		CK_BYTE_PTR pWrappedKey, CK_ULONG_PTR pulWrappedKeyLen)
{
	struct ck_buf wk = { 0 }, k = { 0 }, out = { 0 };
	struct wrap_arg w = { 0 };
	uint32_t b1 = 0, b2 = 0;
	struct ck_session *s;
	CK_ULONG dev = 0;
	CK_RV rv;

	rv = ck_session_get(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	if (!pMechanism || !pulWrappedKeyLen) {
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	rv = ck_mech_check(s->slot, pMechanism->mechanism, CK_MF_WRAP);
	if (rv != CKR_OK)
		goto out;
	rv = ck_keys_take(s, hWrappingKey, &wk, &b1, NULL);
	if (rv == CKR_KEY_HANDLE_INVALID)
		rv = CKR_WRAPPING_KEY_HANDLE_INVALID;
	if (rv != CKR_OK)
		goto out;
	rv = ck_keys_take(s, hKey, &k, &b2, NULL);
	if (rv != CKR_OK)
		goto out;
	if (!wk.n) {
		rv = CKR_WRAPPING_KEY_TYPE_INCONSISTENT;
		goto out;
	}
	if (!k.n) {
		rv = CKR_KEY_NOT_WRAPPABLE;
		goto out;
	}
	w.mech = pMechanism;
	w.k1 = &wk;
	w.k2 = &k;
	w.out = &out;
	rv = ck_slot_call(s->slot, b1 ? b1 : b2, do_wrap, &w, &dev);
	set_dev_error(s, dev);
	if (rv != CKR_OK) {
		rv = ck_login_stale(s, rv, w.err);
		goto out;
	}
	if (!pWrappedKey) {
		*pulWrappedKeyLen = out.n;
	} else if (*pulWrappedKeyLen < out.n) {
		*pulWrappedKeyLen = out.n;
		rv = CKR_BUFFER_TOO_SMALL;
	} else {
		memcpy(pWrappedKey, out.p, out.n);
		*pulWrappedKeyLen = out.n;
	}
out:
	ck_buf_free(&wk);
	ck_buf_free(&k);
	ck_buf_free(&out);
	ck_session_put(s);
	return rv;
}

CK_RV C_UnwrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		  CK_OBJECT_HANDLE hUnwrappingKey, CK_BYTE_PTR pWrappedKey,
		  CK_ULONG ulWrappedKeyLen, CK_ATTRIBUTE_PTR pTemplate,
		  CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey)
{
	struct ck_attrs a = { 0 }, ct = { 0 };
	struct ck_buf uk = { 0 }, blob = { 0 };
	struct wrap_arg w = { 0 };
	uint32_t ubind = 0, bind = 0;
	struct ck_session *s;
	CK_OBJECT_CLASS cls;
	CK_ULONG dev = 0;
	CK_RV rv;

	rv = ck_session_get(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	if (!pMechanism || !pWrappedKey || !phKey) {
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	rv = ck_mech_check(s->slot, pMechanism->mechanism, CK_MF_WRAP);
	if (rv != CKR_OK)
		goto out;
	rv = ck_attrs_from_template(&a, pTemplate, ulAttributeCount);
	if (rv != CKR_OK)
		goto out;
	cls = ck_attrs_ulong(&a, CKA_CLASS, CK_UNAVAILABLE_INFORMATION);
	if (cls != CKO_SECRET_KEY && cls != CKO_PRIVATE_KEY) {
		rv = cls == CK_UNAVAILABLE_INFORMATION ? CKR_TEMPLATE_INCOMPLETE :
		     CKR_TEMPLATE_INCONSISTENT;
		goto out;
	}
	ck_attrs_free(&a);
	rv = key_template(pTemplate, ulAttributeCount, cls,
			  CK_UNAVAILABLE_INFORMATION, &a);
	if (rv == CKR_OK)
		rv = begin_new(s, &a, &bind);
	if (rv == CKR_OK)
		rv = card_template(&a, &ct);
	if (rv != CKR_OK)
		goto out;
	rv = ck_keys_take(s, hUnwrappingKey, &uk, &ubind, NULL);
	if (rv == CKR_KEY_HANDLE_INVALID)
		rv = CKR_UNWRAPPING_KEY_HANDLE_INVALID;
	if (rv != CKR_OK)
		goto out;
	/* The new key takes the request's binding: the unwrapping key's first. */
	if (ubind)
		bind = ubind;
	w.mech = pMechanism;
	w.k1 = &uk;
	w.in = pWrappedKey;
	w.inlen = ulWrappedKeyLen;
	w.tmpl = &ct;
	w.out = &blob;
	rv = ck_slot_call(s->slot, bind, do_unwrap, &w, &dev);
	set_dev_error(s, dev);
	if (rv != CKR_OK) {
		rv = ck_login_stale(s, rv, w.err);
		goto out;
	}
	rv = new_key_object(s, bind, &blob, &a, phKey);
out:
	ck_buf_free(&uk);
	ck_buf_free(&blob);
	ck_attrs_free(&ct);
	ck_attrs_free(&a);
	ck_session_put(s);
	return rv;
}

CK_RV C_DeriveKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		  CK_OBJECT_HANDLE hBaseKey, CK_ATTRIBUTE_PTR pTemplate,
		  CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey)
{
	CK_RV rv = ck_session_refuse(hSession, CKR_OK);

	if (rv != CKR_OK)
		return rv;
	if (!pMechanism || !phKey)
		return CKR_ARGUMENTS_BAD;
	/* The card offers no key derivation mechanism. */
	return CKR_MECHANISM_INVALID;
}

CK_RV ck_keys_read_value(struct ck_session *s, struct ck_object *o,
			 CK_ATTRIBUTE_TYPE type, struct ck_attrs *out)
{
	struct ck_card_ctx c;
	uint32_t bind = 0;
	CK_RV rv;

	rv = ck_login_bind_of_blob(s, &o->blob, &bind);
	if (rv != CKR_OK)
		return rv;
	ck_slot_ctx(s->slot, bind, &c);
	ck_attrs_free(out);
	rv = ck_card_get_attrs(&c, &o->blob, &type, 1, out);
	atomic_store(&s->device_error, c.card_rc);
	return rv;
}

static CK_RV ec_pkey(const struct ck_attrs *a, EVP_PKEY **out)
{
	const CK_ATTRIBUTE *params = ck_attrs_get(a, CKA_EC_PARAMS);
	const CK_ATTRIBUTE *point = ck_attrs_get(a, CKA_EC_POINT);
	CK_KEY_TYPE kt = ck_attrs_ulong(a, CKA_KEY_TYPE, CKK_EC);
	const unsigned char *p;
	ASN1_OBJECT *oid = NULL;
	ASN1_OCTET_STRING *os = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *prm = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	char name[64];
	CK_RV rv = CKR_ATTRIBUTE_VALUE_INVALID;
	int nid;

	if (!params || !point)
		return CKR_TEMPLATE_INCOMPLETE;
	p = params->pValue;
	oid = d2i_ASN1_OBJECT(NULL, &p, params->ulValueLen);
	if (!oid)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	nid = OBJ_obj2nid(oid);
	/* CKA_EC_POINT is a DER OCTET STRING of the point (or raw). */
	p = point->pValue;
	os = d2i_ASN1_OCTET_STRING(NULL, &p, point->ulValueLen);
	if (kt == CKK_EC_EDWARDS) {
		const unsigned char *raw = os ? os->data : point->pValue;
		size_t n = os ? (size_t)os->length : point->ulValueLen;

		if (nid != NID_ED25519 || n != 32)
			goto out;
		*out = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, n);
		rv = *out ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
		goto out;
	}
	if (!OBJ_obj2txt(name, sizeof(name), oid, 0) || nid == NID_undef)
		goto out;
	bld = OSSL_PARAM_BLD_new();
	if (!bld ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					     OBJ_nid2sn(nid), 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
					      os ? os->data : point->pValue,
					      os ? (size_t)os->length :
					      point->ulValueLen))
		goto out;
	prm = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!prm || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, prm) <= 0)
		goto out;
	rv = CKR_OK;
out:
	ASN1_OBJECT_free(oid);
	ASN1_OCTET_STRING_free(os);
	OSSL_PARAM_free(prm);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	return rv;
}

static CK_RV rsa_pkey(const struct ck_attrs *a, EVP_PKEY **out)
{
	const CK_ATTRIBUTE *n = ck_attrs_get(a, CKA_MODULUS);
	const CK_ATTRIBUTE *e = ck_attrs_get(a, CKA_PUBLIC_EXPONENT);
	BIGNUM *bn = NULL, *be = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *prm = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	CK_RV rv = CKR_ATTRIBUTE_VALUE_INVALID;

	if (!n || !e)
		return CKR_TEMPLATE_INCOMPLETE;
	bn = BN_bin2bn(n->pValue, n->ulValueLen, NULL);
	be = BN_bin2bn(e->pValue, e->ulValueLen, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (!bn || !be || !bld || BN_num_bits(bn) < 1024 ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be))
		goto out;
	prm = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (!prm || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, prm) <= 0)
		goto out;
	rv = CKR_OK;
out:
	BN_free(bn);
	BN_free(be);
	OSSL_PARAM_free(prm);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	return rv;
}

CK_RV ck_keys_public_pkey(const struct ck_attrs *a, EVP_PKEY **out)
{
	const CK_ATTRIBUTE *spki = ck_attrs_get(a, CKA_PUBLIC_KEY_INFO);

	*out = NULL;
	if (spki && spki->ulValueLen) {
		const unsigned char *p = spki->pValue;

		*out = d2i_PUBKEY(NULL, &p, spki->ulValueLen);
		return *out ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
	}
	switch (ck_attrs_ulong(a, CKA_KEY_TYPE, CK_UNAVAILABLE_INFORMATION)) {
	case CKK_RSA:
		return rsa_pkey(a, out);
	case CKK_EC:
	case CKK_EC_EDWARDS:
		return ec_pkey(a, out);
	default:
		return CKR_KEY_TYPE_INCONSISTENT;
	}
}

CK_RV ck_keys_check_public(const struct ck_attrs *a)
{
	EVP_PKEY *pk = NULL;
	CK_RV rv;

	if (!ck_attrs_get(a, CKA_KEY_TYPE))
		return CKR_TEMPLATE_INCOMPLETE;
	rv = ck_keys_public_pkey(a, &pk);
	EVP_PKEY_free(pk);
	return rv;
}

static CK_RV gen_transport(struct ck_card_ctx *c, void *arg)
{
	static const CK_MECHANISM mech = { CKM_AES_KEY_GEN, NULL, 0 };
	struct ck_attrs t = { 0 };
	CK_RV rv = CKR_HOST_MEMORY;

	if (!ck_attrs_set_ulong(&t, CKA_CLASS, CKO_SECRET_KEY) &&
	    !ck_attrs_set_ulong(&t, CKA_KEY_TYPE, CKK_AES) &&
	    !ck_attrs_set_ulong(&t, CKA_VALUE_LEN, 32) &&
	    !ck_attrs_set_bool(&t, CKA_SENSITIVE, true) &&
	    !ck_attrs_set_bool(&t, CKA_EXTRACTABLE, false) &&
	    !ck_attrs_set_bool(&t, CKA_UNWRAP, true) &&
	    !ck_attrs_set_bool(&t, CKA_ENCRYPT, true) &&
	    !ck_attrs_set_bool(&t, CKA_DECRYPT, false) &&
	    !ck_attrs_set_bool(&t, CKA_SIGN, false) &&
	    !ck_attrs_set_bool(&t, CKA_VERIFY, false) &&
	    !ck_attrs_set_bool(&t, CKA_WRAP, false))
		rv = ck_card_generate_key(c, &mech, &t, arg);
	ck_attrs_free(&t);
	return rv;
}

/*
 * The process's transport key: an AES-256 key the card made, which never
 * leaves it (sensitive, not extractable) and serves only to encrypt a
 * clear key on the card and unwrap it there.  Made once (lib lock not held
 * across the card's round trip).
 */
static CK_RV transport_key(struct ck_slot *slot, struct ck_buf *blob)
{
	struct ck_buf b = { 0 };
	CK_RV rv;

	ck_mutex_lock(&ck_g.lock);
	if (ck_g.transport_key.n) {
		b.p = OPENSSL_memdup(ck_g.transport_key.p, ck_g.transport_key.n);
		b.n = b.p ? ck_g.transport_key.n : 0;
	}
	ck_mutex_unlock(&ck_g.lock);
	if (!b.n) {
		rv = ck_slot_call(slot, 0, gen_transport, &b, NULL);
		if (rv != CKR_OK)
			return rv;
		ck_mutex_lock(&ck_g.lock);
		if (!ck_g.transport_key.n) {
			ck_g.transport_key.p = OPENSSL_memdup(b.p, b.n);
			ck_g.transport_key.n = ck_g.transport_key.p ? b.n : 0;
		}
		ck_mutex_unlock(&ck_g.lock);
	}
	*blob = b;
	return CKR_OK;
}

static BIGNUM *bn_attr(const struct ck_attrs *a, CK_ATTRIBUTE_TYPE t)
{
	const CK_ATTRIBUTE *at = ck_attrs_get(a, t);

	if (!at || !at->ulValueLen)
		return NULL;
	return BN_bin2bn(at->pValue, at->ulValueLen, NULL);
}

/* The PKCS#8 PrivateKeyInfo of a private key template's parts. */
static CK_RV private_der(const struct ck_attrs *a, unsigned char **der,
			 int *len)
{
	CK_KEY_TYPE kt = ck_attrs_ulong(a, CKA_KEY_TYPE, CK_UNAVAILABLE_INFORMATION);
	static const struct {
		CK_ATTRIBUTE_TYPE type;
		const char *name;
	} rsa[] = {
		{ CKA_MODULUS, OSSL_PKEY_PARAM_RSA_N },
		{ CKA_PUBLIC_EXPONENT, OSSL_PKEY_PARAM_RSA_E },
		{ CKA_PRIVATE_EXPONENT, OSSL_PKEY_PARAM_RSA_D },
		{ CKA_PRIME_1, OSSL_PKEY_PARAM_RSA_FACTOR1 },
		{ CKA_PRIME_2, OSSL_PKEY_PARAM_RSA_FACTOR2 },
		{ CKA_EXPONENT_1, OSSL_PKEY_PARAM_RSA_EXPONENT1 },
		{ CKA_EXPONENT_2, OSSL_PKEY_PARAM_RSA_EXPONENT2 },
		{ CKA_COEFFICIENT, OSSL_PKEY_PARAM_RSA_COEFFICIENT1 },
	};
	const CK_ATTRIBUTE *v = ck_attrs_get(a, CKA_VALUE);
	const CK_ATTRIBUTE *params = ck_attrs_get(a, CKA_EC_PARAMS);
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *prm = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;
	BIGNUM *bns[8] = { 0 };
	ASN1_OBJECT *oid = NULL;
	CK_RV rv = CKR_TEMPLATE_INCOMPLETE;
	size_t i;

	*der = NULL;
	switch (kt) {
	case CKK_RSA:
		bld = OSSL_PARAM_BLD_new();
		if (!bld)
			return CKR_HOST_MEMORY;
		for (i = 0; i < 8; i++) {
			bns[i] = bn_attr(a, rsa[i].type);
			if (!bns[i])
				goto out;
			if (!OSSL_PARAM_BLD_push_BN(bld, rsa[i].name, bns[i])) {
				rv = CKR_HOST_MEMORY;
				goto out;
			}
		}
		prm = OSSL_PARAM_BLD_to_param(bld);
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
		break;
	case CKK_EC:
		if (!v || !params)
			goto out;
		bns[0] = BN_bin2bn(v->pValue, v->ulValueLen, NULL);
		{
			const unsigned char *p = params->pValue;

			oid = d2i_ASN1_OBJECT(NULL, &p, params->ulValueLen);
		}
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
		if (!bns[0] || !oid || OBJ_obj2nid(oid) == NID_undef)
			goto out;
		bld = OSSL_PARAM_BLD_new();
		if (!bld ||
		    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
						     OBJ_nid2sn(OBJ_obj2nid(oid)), 0) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bns[0]))
			goto out;
		prm = OSSL_PARAM_BLD_to_param(bld);
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
		break;
	case CKK_EC_EDWARDS:
		if (!v)
			goto out;
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
		if (v->ulValueLen != 32)
			goto out;
		pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
						  v->pValue, 32);
		if (!pk)
			goto out;
		break;
	default:
		rv = kt == CK_UNAVAILABLE_INFORMATION ? CKR_TEMPLATE_INCOMPLETE :
		     CKR_ATTRIBUTE_VALUE_INVALID;
		goto out;
	}
	if (!pk) {
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
		if (!prm || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
		    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_KEYPAIR, prm) <= 0)
			goto out;
	}
	*len = i2d_PrivateKey(pk, der);
	rv = *len > 0 ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
out:
	for (i = 0; i < 8; i++)
		BN_clear_free(bns[i]);
	ASN1_OBJECT_free(oid);
	OSSL_PARAM_free(prm);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return rv;
}

CK_RV ck_keys_import(struct ck_session *s, struct ck_attrs *a,
		     CK_OBJECT_HANDLE *out)
{
	static const CK_ATTRIBUTE_TYPE parts[] = {
		CKA_VALUE, CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2,
		CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT,
	};
	unsigned char iv[16];
	CK_MECHANISM mech = { CKM_AES_CBC_PAD, iv, sizeof(iv) };
	struct ck_card_crypt_arg e = { 0 };
	CK_OBJECT_CLASS cls = ck_attrs_ulong(a, CKA_CLASS, CKO_SECRET_KEY);
	struct ck_buf tk = { 0 }, wrapped = { 0 }, blob = { 0 };
	struct ck_attrs t = { 0 }, ct = { 0 };
	struct wrap_arg w = { 0 };
	unsigned char *der = NULL;
	const CK_ATTRIBUTE *v;
	uint32_t bind = 0;
	CK_ULONG dev = 0;
	int derlen = 0;
	CK_RV rv;
	size_t i;

	if (!ck_attrs_get(a, CKA_KEY_TYPE))
		return CKR_TEMPLATE_INCOMPLETE;
	/* CBC-PAD as a cipher: fips tokens offer no CBC-PAD wrapping. */
	rv = ck_mech_check(s->slot, CKM_AES_CBC_PAD, CK_MF_CRYPT);
	if (rv != CKR_OK)
		return CKR_FUNCTION_NOT_SUPPORTED;
	if (cls == CKO_SECRET_KEY) {
		v = ck_attrs_get(a, CKA_VALUE);
		if (!v || !v->ulValueLen)
			return CKR_TEMPLATE_INCOMPLETE;
	} else {
		rv = private_der(a, &der, &derlen);
		if (rv != CKR_OK)
			return rv;
	}
	/* A fips token takes no key of a size or curve it does not approve. */
	if (ck_mech_fips_key(s->slot, ck_attrs_ulong(a, CKA_KEY_TYPE, 0), a) !=
	    CKR_OK) {
		OPENSSL_clear_free(der, derlen);
		return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	/* The new key's template: the application's, without the parts. */
	rv = ck_attrs_dup(&t, a) ? CKR_HOST_MEMORY : CKR_OK;
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		ck_attrs_del(&t, parts[i]);
	if (cls == CKO_PRIVATE_KEY) {
		ck_attrs_del(&t, CKA_MODULUS);
		ck_attrs_del(&t, CKA_PUBLIC_EXPONENT);
		ck_attrs_del(&t, CKA_EC_PARAMS);
	}
	if (rv == CKR_OK)
		rv = key_template(t.v, t.n, cls,
				  ck_attrs_ulong(a, CKA_KEY_TYPE, 0), &ct);
	ck_attrs_free(&t);
	if (rv == CKR_OK)
		rv = begin_new(s, &ct, &bind);
	if (rv == CKR_OK)
		rv = card_template(&ct, &t);
	if (rv == CKR_OK)
		rv = transport_key(s->slot, &tk);
	if (rv == CKR_OK && RAND_bytes(iv, sizeof(iv)) != 1)
		rv = CKR_FUNCTION_FAILED;
	/* The clear key encrypted on the card under the transport key. */
	if (rv == CKR_OK) {
		v = ck_attrs_get(a, CKA_VALUE);
		e.mech = &mech;
		e.key = &tk;
		e.in = cls == CKO_SECRET_KEY ? v->pValue : der;
		e.inlen = cls == CKO_SECRET_KEY ? v->ulValueLen : (size_t)derlen;
		e.out = &wrapped;
		rv = ck_slot_call(s->slot, 0, ck_card_crypt_call, &e, NULL);
	}
	if (rv != CKR_OK)
		goto out;
	w.mech = &mech;
	w.k1 = &tk;
	w.in = wrapped.p;
	w.inlen = wrapped.n;
	w.tmpl = &t;
	w.out = &blob;
	rv = ck_slot_call(s->slot, bind, do_unwrap, &w, &dev);
	set_dev_error(s, dev);
	if (rv != CKR_OK) {
		rv = ck_login_stale(s, rv, w.err);
		goto out;
	}
	/* Imported, not generated here: the card says so in CKA_LOCAL. */
	rv = new_key_object(s, bind, &blob, &ct, out);
out:
	if (der)
		OPENSSL_clear_free(der, derlen);
	ck_buf_free(&tk);
	ck_buf_free(&wrapped);
	ck_buf_free(&blob);
	ck_attrs_free(&t);
	ck_attrs_free(&ct);
	return rv;
}
