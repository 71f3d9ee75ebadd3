/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysfs: class ep11sess, one device per card and one per APQN below it,
 * read-only counters, and uevents on add, remove and online changes.
 */
#ifndef _EP11SESS_SYSFS_H
#define _EP11SESS_SYSFS_H

struct ep11_card;

int ep11_sysfs_init(void);
void ep11_sysfs_uninit(void);

int ep11_sysfs_card_add(struct ep11_card *card);
void ep11_sysfs_card_remove(struct ep11_card *card);

#endif /* _EP11SESS_SYSFS_H */
