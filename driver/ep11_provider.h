/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The provider interface: how a module that reaches EP11 cards (the
 * virtual cards of ep11_vcard.ko here; zcrypt's AP queues on s390) hands
 * them to ep11sess.ko.  The core never knows which provider it talks to.
 *
 * Lifetime: ep11_card_register() returns a card the provider owns until it
 * calls ep11_card_unregister().  The core calls ->send() only between the
 * two, possibly from many threads at once; ep11_card_unregister() waits
 * until every ->send() in progress has returned, so the provider must first
 * refuse new requests and end the ones in progress: -ENODEV for those the
 * card never received, -EIO for those it did (see ->send()).
 *
 * Registration does not talk to the card: the provider may be in the middle
 * of the system call of the very process that answers for the card.  The
 * core queries the card (get_xcp_info) later, from its own context.
 *
 * Symbols are exported in the EP11SESS namespace.
 */
#ifndef _EP11_PROVIDER_H
#define _EP11_PROVIDER_H

#include <linux/types.h>
#include <linux/ep11.h>

struct ep11_card;

/**
 * struct ep11_provider_ops - what a provider does for the core
 * @send: send one EP11 request (struct ep11_cprb + payload, @req_len bytes)
 *	to @domain of the card and sleep until its reply is copied to @rep
 *	(at most @rep_cap bytes) or @timeout (jiffies) has passed.
 *	Only the first bytes of @rep, as many as the length returned, may be
 *	written, and nothing after the return (the core reuses @rep and
 *	wipes only that much).  Returns the reply length, or:
 *	-EBUSY      the queue is full or the card said busy; nothing was
 *	            executed, the core may retry after a backoff;
 *	-ENODEV     the APQN is offline or the card is going away, and the
 *	            card never received the request: nothing was executed,
 *	            the core may send it to another APQN;
 *	-EIO        transport failure, or the APQN went offline or the card
 *	            away after the card received the request: it may have
 *	            run (a Login may have left a session on the card);
 *	-ETIMEDOUT  no reply in time; the request may still run on the card;
 *	-EMSGSIZE   the reply did not fit in @rep_cap;
 *	-EBADMSG    the reply was malformed at the transport level;
 *	-EINTR      a fatal signal interrupted the wait (the request may
 *	            still run on the card; its reply is dropped).
 *	The core takes -EBUSY and -ENODEV as "not executed" and the errors
 *	of ep11_xfer_maybe_ran() as "may have run": a Login that got one of
 *	those may have left a session on the card, which the core logs in
 *	again and out; a Login that got -ENODEV is taken to have left none.
 *	A provider that cannot tell whether the card received a request
 *	must therefore answer -EIO, never -ENODEV.  After -EBUSY or
 *	-ENODEV, and after a time-out or fatal signal that came before the
 *	card received the request, the provider must make sure the card
 *	never executes it (a request still queued is withdrawn).
 *	Context: process context, may sleep; called without core locks held.
 */
struct ep11_provider_ops {
	int (*send)(void *priv, u16 domain, const void *req, size_t req_len,
		    void *rep, size_t rep_cap, unsigned long timeout);
};

/**
 * struct ep11_card_desc - a card as its provider describes it
 * @id:       adapter number 0x00-0xff
 * @serial:   16-character serial number (not NUL-terminated), or all zero
 *            when the provider does not know it
 * @domains:  the card's usage domains, each 0x00-0xff
 * @ndomains: number of entries in @domains
 */
struct ep11_card_desc {
	u8 id;
	char serial[EP11_SERIAL_LEN];
	const u16 *domains;
	unsigned int ndomains;
};

/**
 * ep11_card_register() - hand a card and its APQNs to the core
 * @desc: the card; copied, the caller may free it on return
 * @ops:  the provider's operations; must outlive the card
 * @priv: passed to @ops
 *
 * All APQNs start online.
 *
 * Context: process context, may sleep; does not talk to the card.
 * Return: the card, or ERR_PTR(-EEXIST) when the id is taken,
 * ERR_PTR(-EINVAL) for a bad descriptor, ERR_PTR(-ENOMEM).
 */
struct ep11_card *ep11_card_register(const struct ep11_card_desc *desc,
				     const struct ep11_provider_ops *ops,
				     void *priv);

/**
 * ep11_apqn_set_online() - report an APQN going online or offline
 * @card:   a registered card
 * @domain: one of its domains
 * @online: the new state
 *
 * Going online makes the core retry the APQN's pending logouts at once.
 *
 * Context: process context, may sleep.
 * Return: 0, or -ENOENT when @domain is not one of the card's.
 */
int ep11_apqn_set_online(struct ep11_card *card, u16 domain, bool online);

/**
 * ep11_card_unregister() - remove a card
 * @card: a registered card
 *
 * Waits for every ->send() in progress to return; the core never calls
 * @ops again.  Pending logouts of the card's APQNs are kept as orphans
 * under the card's serial number, the domain and its WKID (module
 * parameter orphan_timeout_s) and sent when a card with that serial
 * registers again and the domain has the same wrapping key; live sessions'
 * entries wait, away, to be logged in again there.
 *
 * Context: process context, may sleep.
 */
void ep11_card_unregister(struct ep11_card *card);

#endif /* _EP11_PROVIDER_H */
