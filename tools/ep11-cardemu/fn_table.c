// SPDX-License-Identifier: GPL-2.0
/*
 * The functions the card implements: one group per source file.  Add a
 * group here to make its handlers part of every card.
 */
#include "card.h"

const struct fw_fn_group *const fw_builtin_groups[] = {
	&fw_group_session,
	&fw_group_xcp_info,
	&fw_group_mechanisms,
	&fw_group_random,
	&fw_group_digest,
	&fw_group_keygen,
	&fw_group_sign,
	&fw_group_crypt,
	&fw_group_wrap,
	&fw_group_attrval,
};

const unsigned int fw_builtin_ngroups = ARRAY_SIZE(fw_builtin_groups);
