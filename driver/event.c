// SPDX-License-Identifier: GPL-2.0
/*
 * The event hook: a blocking notifier chain the core calls on every
 * login, logout, reclaim, exhaustion and online change.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "event.h"

static BLOCKING_NOTIFIER_HEAD(ep11_event_chain);

/**
 * ep11_event_register() - listen to the core's events
 * @nb: called with the &enum ep11_event_type and a struct ep11_event
 *
 * Context: process context, may sleep.
 * Return: 0 or a negative errno.
 */
int ep11_event_register(struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&ep11_event_chain, nb);
}

/**
 * ep11_event_unregister() - stop listening
 * @nb: a registered notifier
 *
 * Context: process context, may sleep.
 * Return: 0 or -ENOENT.
 */
int ep11_event_unregister(struct notifier_block *nb)
{
	return blocking_notifier_chain_unregister(&ep11_event_chain, nb);
}

/**
 * ep11_event_emit() - tell the listeners
 * @type: what happened
 * @ev:   the details
 *
 * Context: process context, may sleep; callers hold no spinlock.
 */
void ep11_event_emit(enum ep11_event_type type, const struct ep11_event *ev)
{
	blocking_notifier_call_chain(&ep11_event_chain, type, (void *)ev);
}
