// SPDX-License-Identifier: GPL-2.0
/*
 * A virtual card and its card fd: creation, registration with ep11sess,
 * the fd's file operations and its removal when the fd is closed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/bitmap.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/overflow.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../ep11_provider.h"
#include "vcard.h"

static void vcard_release_ref(struct kref *ref)
{
	struct vcard *card = container_of(ref, struct vcard, ref);

	mutex_destroy(&card->online_lock);
	kfree(card);
}

/**
 * vcard_put() - drop a reference to a card
 * @card: the card
 *
 * Context: any context that may free memory; takes no locks.
 */
void vcard_put(struct vcard *card)
{
	kref_put(&card->ref, vcard_release_ref);
}

/**
 * vcard_apqn() - look up an APQN of a card
 * @card:   the card
 * @domain: the domain
 *
 * Context: any; the card's domain set never changes.
 * Return: the APQN, or NULL when @domain is not one of the card's.
 */
struct vcard_apqn *vcard_apqn(struct vcard *card, u32 domain)
{
	if (domain >= VCARD_MAX_DOMAINS || !test_bit(domain, card->domains))
		return NULL;
	return &card->apqn[bitmap_weight(card->domains, domain)];
}

static ssize_t vcard_fop_read(struct file *filp, char __user *buf,
			      size_t count, loff_t *off)
{
	return vcard_read_request(filp->private_data, buf, count,
				  filp->f_flags & O_NONBLOCK);
}

static ssize_t vcard_fop_write(struct file *filp, const char __user *buf,
			       size_t count, loff_t *off)
{
	return vcard_write_reply(filp->private_data, buf, count);
}

static __poll_t vcard_fop_poll(struct file *filp, poll_table *wait)
{
	struct vcard *card = filp->private_data;
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(filp, &card->readq, wait);
	if (vcard_has_pending(card))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

static int vcard_ioctl_set_online(struct vcard *card, void __user *uarg)
{
	struct ep11_vcard_online arg;
	struct vcard_apqn *apqn;
	u32 usize;
	int ret;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < sizeof(arg))
		return -EINVAL;
	ret = copy_struct_from_user(&arg, sizeof(arg), uarg, usize);
	if (ret)
		return ret;
	if (arg.flags || arg.online > 1)
		return -EINVAL;
	apqn = vcard_apqn(card, arg.domain);
	if (!apqn)
		return -EINVAL;

	mutex_lock(&card->online_lock);
	vcard_apqn_set_online(card, apqn, arg.online);
	ret = ep11_apqn_set_online(card->core, apqn->domain, arg.online);
	mutex_unlock(&card->online_lock);
	if (ret)
		pr_err("card%02x.%04x: ep11sess refused the %s state: %d\n",
		       card->id, apqn->domain,
		       arg.online ? "online" : "offline", ret);
	return ret;
}

static long vcard_fop_ioctl(struct file *filp, unsigned int cmd,
			    unsigned long arg)
{
	struct vcard *card = filp->private_data;

	switch (cmd) {
	case EP11_VCARD_IOC_SET_ONLINE:
		return vcard_ioctl_set_online(card, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static void vcard_report(struct vcard *card)
{
	struct vcard_stats sum = {};
	unsigned int i;

	for (i = 0; i < card->ndomains; i++) {
		const struct vcard_stats *s = &card->apqn[i].stats;

		sum.requests += s->requests;
		sum.replies += s->replies;
		sum.bad_replies += s->bad_replies;
		sum.timeouts += s->timeouts;
		sum.failed += s->failed;
		sum.queue_full += s->queue_full;
	}
	pr_info("card%02x: removed; %llu requests, %llu replies, %llu malformed replies, %llu timed out, %llu failed, %llu refused as queue full\n",
		card->id, sum.requests, sum.replies, sum.bad_replies,
		sum.timeouts, sum.failed, sum.queue_full);
}

/**
 * vcard_remove() - fail a registered card's requests, unregister it and
 * drop the reference its creator held
 * @card: a card that vcard_register() registered
 *
 * Context: process context, may sleep: waits for the sends in progress,
 * which end at once; takes vcard.lock.
 */
void vcard_remove(struct vcard *card)
{
	vcard_kill(card);
	/* Waits for the sends in progress, which see the card dead. */
	ep11_card_unregister(card->core);
	vcard_report(card);
	vcard_put(card);
}

static int vcard_fop_release(struct inode *inode, struct file *filp)
{
	vcard_remove(filp->private_data);
	return 0;
}

static const struct file_operations vcard_fops = {
	.owner = THIS_MODULE,
	.read = vcard_fop_read,
	.write = vcard_fop_write,
	.poll = vcard_fop_poll,
	.unlocked_ioctl = vcard_fop_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = vcard_fop_release,
	.llseek = no_llseek,
};

/**
 * vcard_register() - hand a card and its APQNs to ep11sess
 * @card: a card from vcard_alloc()
 *
 * From now on the core may send requests to the card; vcard_remove()
 * undoes this.
 *
 * Context: process context, may sleep; takes no locks of this module.
 * Return: 0, -EEXIST when the card id is in use, -ENOMEM, or another
 * negative errno from ep11sess.
 */
int vcard_register(struct vcard *card)
{
	struct ep11_card_desc desc = {
		.id = card->id,
		.ndomains = card->ndomains,
	};
	struct ep11_card *core;
	unsigned int i;
	u16 *domains;

	domains = kmalloc_array(card->ndomains, sizeof(*domains), GFP_KERNEL);
	if (!domains)
		return -ENOMEM;
	for (i = 0; i < card->ndomains; i++)
		domains[i] = card->apqn[i].domain;
	desc.domains = domains;
	memcpy(desc.serial, card->serial, sizeof(desc.serial));

	core = ep11_card_register(&desc, &vcard_provider_ops, card);
	kfree(domains);
	if (IS_ERR(core))
		return PTR_ERR(core);
	card->core = core;
	return 0;
}

/**
 * vcard_alloc() - allocate and set up a card, not yet registered
 * @arg: the checked arguments of %EP11_VCARD_IOC_NEW (depth not zero)
 *
 * The card starts with one reference, every APQN online.
 *
 * Context: process context, may sleep.
 * Return: the card or ERR_PTR(-ENOMEM).
 */
struct vcard *vcard_alloc(const struct ep11_vcard_new *arg)
{
	DECLARE_BITMAP(domains, VCARD_MAX_DOMAINS);
	unsigned int ndomains, d, i = 0;
	struct vcard *card;

	bitmap_from_arr64(domains, arg->domains, VCARD_MAX_DOMAINS);
	ndomains = bitmap_weight(domains, VCARD_MAX_DOMAINS);
	card = kzalloc(struct_size(card, apqn, ndomains), GFP_KERNEL);
	if (!card)
		return ERR_PTR(-ENOMEM);
	bitmap_copy(card->domains, domains, VCARD_MAX_DOMAINS);

	kref_init(&card->ref);
	spin_lock_init(&card->lock);
	init_waitqueue_head(&card->readq);
	INIT_LIST_HEAD(&card->pending);
	INIT_LIST_HEAD(&card->inflight);
	mutex_init(&card->online_lock);
	card->next_msgid = 1;
	card->id = arg->card;
	card->depth = arg->queue_depth;
	memcpy(card->serial, arg->serial, sizeof(card->serial));
	card->ndomains = ndomains;
	for_each_set_bit(d, card->domains, VCARD_MAX_DOMAINS) {
		card->apqn[i].domain = d;
		card->apqn[i].online = true;
		i++;
	}
	return card;
}

/**
 * vcard_create() - create a card, register it and make its card fd's file
 * @arg:   the checked arguments of %EP11_VCARD_IOC_NEW (depth not zero)
 * @filep: returns the file of the card fd, opened read/write
 *
 * Closing the last reference to the file removes the card.
 *
 * Context: process context, may sleep; takes no locks of this module.
 * Return: 0, -EEXIST when the card id is in use, -ENOMEM, or another
 * negative errno from ep11sess or the file's creation.
 */
int vcard_create(const struct ep11_vcard_new *arg, struct file **filep)
{
	struct vcard *card;
	struct file *file;
	int ret;

	card = vcard_alloc(arg);
	if (IS_ERR(card))
		return PTR_ERR(card);

	ret = vcard_register(card);
	if (ret) {
		if (ret == -EEXIST)
			pr_err("card%02x: card id in use; choose another card id\n",
			       card->id);
		goto err_free;
	}

	file = anon_inode_getfile("[ep11_vcard]", &vcard_fops, card, O_RDWR);
	if (IS_ERR(file)) {
		/* The core may have queued a request already. */
		vcard_remove(card);
		return PTR_ERR(file);
	}
	*filep = file;
	pr_info("card%02x: virtual card with %u domains, queue depth %u, firmware pid %d\n",
		card->id, card->ndomains, card->depth, task_tgid_nr(current));
	return 0;

err_free:
	vcard_put(card);
	return ret;
}
