/* SPDX-License-Identifier: GPL-2.0 */
/*
 * p11-client: what the PKCS#11 client test programs (lib-api, p11-diff)
 * share: a module loaded with dlopen() exactly as a client loads it, and
 * the names of return codes for messages.
 *
 * The PKCS#11 types come from p11-kit's header in its compatibility mode,
 * which defines lower-case names such as "value", "count" and "reserved"
 * as macros: code that includes this header does not use them for its own
 * variables.
 */
#ifndef P11_CLIENT_H
#define P11_CLIENT_H

#include <stddef.h>

#include "pkcs11_3.h"

/**
 * struct p11_module - a loaded PKCS#11 module
 * @dl:   the dlopen() handle
 * @f2:   the list C_GetFunctionList gave
 * @f3:   the "PKCS 11" 3.0 interface's list, or NULL when the module has
 *        no C_GetInterface (a 2.40 module such as SoftHSM 2.6)
 * @path: the file loaded
 */
struct p11_module {
	void *dl;
	CK_FUNCTION_LIST *f2;
	CK_FUNCTION_LIST_3_0 *f3;
	const char *path;
};

/**
 * p11_load() - load a module as a client does
 * @path:   the module's file
 * @m:      filled on success
 * @err:    room for a message naming the file and what went wrong
 * @errlen: its size
 *
 * dlopen()s @path (RTLD_NOW | RTLD_LOCAL), calls its C_GetFunctionList and,
 * when it exports one, C_GetInterface("PKCS 11", 3.0).  Calls nothing else.
 *
 * Context: any; not thread-safe against other loads of the same module.
 * Return: 0, or -1 with @err filled.
 */
int p11_load(const char *path, struct p11_module *m, char *err, size_t errlen);

/**
 * p11_unload() - dlclose() a module loaded with p11_load()
 * @m: the module; emptied
 *
 * Context: the module must be finalized (or never initialized).
 */
void p11_unload(struct p11_module *m);

/**
 * p11_rv_name() - the name of a return code
 * @rv: a CKR_* value
 *
 * Context: any; thread-safe.
 * Return: "CKR_..." for the values of PKCS#11 3.0, else "CKR_0x<hex>"
 *         (in a thread-local buffer, valid until the thread's next call).
 */
const char *p11_rv_name(CK_RV rv);

#endif /* P11_CLIENT_H */
