// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs: the class ep11sess with a device per card (card0b) and a device
 * per APQN (0b.0024) whose parent is its card's device, so the tree reads
 * /sys/devices/virtual/ep11sess/card0b/0b.0024 as the AP bus's
 * /sys/devices/ap/card0b/0b.0024.  Attribute groups are attached at
 * creation; every attribute is in docs/ABI/testing/sysfs-class-ep11sess.
 *
 * The devices are created and removed by the card registry
 * (ep11_sysfs_card_add() and ep11_sysfs_card_remove()); online changes
 * come through the event notifier and become KOBJ_CHANGE uevents with
 * ONLINE=0|1, as the AP bus sends them.
 *
 * Lifetime: a card device holds a reference on its card, so the APQNs it
 * shows live as long as it does; an APQN device holds its parent.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/device.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "card.h"
#include "event.h"
#include "fleet.h"
#include "orphan.h"
#include "sysfs.h"

#define EP11_SYSFS_CARDS	256

/**
 * struct ep11_sysfs_apqn - the device of one APQN
 * @dev:    the device, named %02x.%04x
 * @apqn:   the APQN
 * @online: the state last announced (under ep11_sysfs_lock)
 */
struct ep11_sysfs_apqn {
	struct device dev;
	struct ep11_apqn *apqn;
	bool online;
};

/**
 * struct ep11_sysfs_card - the device of one card
 * @dev:    the device, named card%02x
 * @card:   the card, with a reference
 * @online: the state last announced: any APQN online (ep11_sysfs_lock)
 * @napqns: entries in @apqns that were added
 * @apqns:  the APQNs' devices, by the card's APQN order
 */
struct ep11_sysfs_card {
	struct device dev;
	struct ep11_card *card;
	bool online;
	unsigned int napqns;
	struct ep11_sysfs_apqn *apqns[];
};

static DEFINE_MUTEX(ep11_sysfs_lock);
static struct ep11_sysfs_card *ep11_sysfs_cards[EP11_SYSFS_CARDS];

static struct ep11_sysfs_card *to_sc(struct device *dev)
{
	return container_of(dev, struct ep11_sysfs_card, dev);
}

static struct ep11_sysfs_apqn *to_sa(struct device *dev)
{
	return container_of(dev, struct ep11_sysfs_apqn, dev);
}

static bool ep11_card_any_online(struct ep11_card *card)
{
	unsigned int i;

	for (i = 0; i < card->napqns; i++)
		if (ep11_apqn_is_online(&card->apqns[i]))
			return true;
	return false;
}

/* Card attributes. */

static ssize_t serialnr_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct ep11_card *card = to_sc(dev)->card;
	char serial[EP11_SERIAL_LEN];

	spin_lock(&card->lock);
	memcpy(serial, card->serial, sizeof(serial));
	spin_unlock(&card->lock);
	return sysfs_emit(buf, "%.*s\n", (int)strnlen(serial, sizeof(serial)),
			  serial);
}
static DEVICE_ATTR_RO(serialnr);

static ssize_t ep11_card_caps_show(struct device *dev, char *buf, bool max)
{
	struct ep11_card *card = to_sc(dev)->card;
	bool valid;
	u32 val;

	spin_lock(&card->lock);
	valid = card->caps_valid;
	val = max ? card->max_sessions : card->avail_sessions;
	spin_unlock(&card->lock);
	if (!valid)
		return -ENODATA;
	return sysfs_emit(buf, "%u\n", val);
}

static ssize_t max_sessions_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return ep11_card_caps_show(dev, buf, true);
}
static DEVICE_ATTR_RO(max_sessions);

static ssize_t available_sessions_show(struct device *dev,
				       struct device_attribute *attr,
				       char *buf)
{
	return ep11_card_caps_show(dev, buf, false);
}
static DEVICE_ATTR_RO(available_sessions);

static ssize_t card_online_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", ep11_card_any_online(to_sc(dev)->card));
}

static struct device_attribute dev_attr_card_online =
	__ATTR(online, 0444, card_online_show, NULL);

static ssize_t card_sessions_held_show(struct device *dev,
				       struct device_attribute *attr,
				       char *buf)
{
	struct ep11_card *card = to_sc(dev)->card;
	unsigned int held;

	spin_lock(&card->lock);
	held = card->held;
	spin_unlock(&card->lock);
	return sysfs_emit(buf, "%u\n", held);
}

static struct device_attribute dev_attr_card_sessions_held =
	__ATTR(sessions_held, 0444, card_sessions_held_show, NULL);

static ssize_t card_pending_logouts_show(struct device *dev,
					 struct device_attribute *attr,
					 char *buf)
{
	struct ep11_card *card = to_sc(dev)->card;
	unsigned int pending;

	spin_lock(&card->lock);
	pending = card->pending;
	spin_unlock(&card->lock);
	return sysfs_emit(buf, "%u\n", pending);
}

static struct device_attribute dev_attr_card_pending_logouts =
	__ATTR(pending_logouts, 0444, card_pending_logouts_show, NULL);

static ssize_t uid_quota_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct ep11_card *card = to_sc(dev)->card;
	unsigned int q;

	spin_lock(&card->lock);
	q = ep11_card_uid_quota(card);
	spin_unlock(&card->lock);
	return sysfs_emit(buf, "%u\n", q);
}

static ssize_t uid_quota_store(struct device *dev,
			       struct device_attribute *attr, const char *buf,
			       size_t count)
{
	struct ep11_card *card = to_sc(dev)->card;
	unsigned int q;
	int val;

	if (sysfs_streq(buf, "auto")) {
		val = -1;
	} else {
		if (kstrtouint(buf, 10, &q) || q > INT_MAX)
			return -EINVAL;
		val = q;
	}
	spin_lock(&card->lock);
	card->uid_quota = val;
	card->slot_seq++;
	spin_unlock(&card->lock);
	wake_up_all(&card->slot_wq);
	return count;
}
static DEVICE_ATTR_RW(uid_quota);

/**
 * struct ep11_uid_usage_buf - the uid_usage attribute being written
 * @buf: the page
 * @len: bytes written
 */
struct ep11_uid_usage_buf {
	char *buf;
	ssize_t len;
};

static void ep11_uid_usage_line(kuid_t uid, unsigned int n, void *arg)
{
	struct ep11_uid_usage_buf *ub = arg;

	ub->len += sysfs_emit_at(ub->buf, ub->len, "%u %u\n",
				 from_kuid_munged(&init_user_ns, uid), n);
}

static ssize_t uid_usage_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct ep11_uid_usage_buf ub = { .buf = buf };

	ep11_card_uid_usage(to_sc(dev)->card, ep11_uid_usage_line, &ub);
	return ub.len;
}
static DEVICE_ATTR_RO(uid_usage);

static ssize_t unaccounted_sessions_show(struct device *dev,
					 struct device_attribute *attr,
					 char *buf)
{
	struct ep11_card *card = to_sc(dev)->card;
	unsigned int n;
	bool valid;

	spin_lock(&card->lock);
	valid = card->caps_valid;
	n = card->unaccounted;
	spin_unlock(&card->lock);
	if (!valid)
		return -ENODATA;
	return sysfs_emit(buf, "%u\n", n);
}
static DEVICE_ATTR_RO(unaccounted_sessions);

static ssize_t host_share_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct ep11_card *card = to_sc(dev)->card;
	unsigned int share;

	spin_lock(&card->lock);
	share = ep11_card_host_share_locked(card);
	spin_unlock(&card->lock);
	return sysfs_emit(buf, "%u\n", share);
}

static ssize_t host_share_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t count)
{
	unsigned int share;
	int val;

	if (sysfs_streq(buf, "auto")) {
		val = -1;
	} else {
		if (kstrtouint(buf, 10, &share) || share > INT_MAX)
			return -EINVAL;
		val = share;
	}
	ep11_card_set_host_share(to_sc(dev)->card, val);
	return count;
}
static DEVICE_ATTR_RW(host_share);

static struct attribute *ep11_card_attrs[] = {
	&dev_attr_unaccounted_sessions.attr,
	&dev_attr_host_share.attr,
	&dev_attr_uid_quota.attr,
	&dev_attr_uid_usage.attr,
	&dev_attr_serialnr.attr,
	&dev_attr_max_sessions.attr,
	&dev_attr_available_sessions.attr,
	&dev_attr_card_online.attr,
	&dev_attr_card_sessions_held.attr,
	&dev_attr_card_pending_logouts.attr,
	NULL,
};
ATTRIBUTE_GROUPS(ep11_card);

/* APQN attributes. */

static ssize_t online_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%d\n", ep11_apqn_is_online(to_sa(dev)->apqn));
}
static DEVICE_ATTR_RO(online);

/* An APQN counter, read under its card's lock. */
#define EP11_APQN_ATTR(_name, _expr)					\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct ep11_apqn *apqn = to_sa(dev)->apqn;			\
	u64 val;							\
									\
	spin_lock(&apqn->card->lock);					\
	val = (_expr);							\
	spin_unlock(&apqn->card->lock);					\
	return sysfs_emit(buf, "%llu\n", val);				\
}									\
static DEVICE_ATTR_RO(_name)

EP11_APQN_ATTR(sessions_held, apqn->held);
EP11_APQN_ATTR(pending_logouts, apqn->pending);
EP11_APQN_ATTR(logins, apqn->stats.logins);
EP11_APQN_ATTR(logouts, apqn->stats.logouts);
EP11_APQN_ATTR(reclaimed, apqn->stats.reclaimed);
EP11_APQN_ATTR(lost, apqn->stats.lost);
EP11_APQN_ATTR(errors, apqn->stats.errors);
EP11_APQN_ATTR(last_reclaim_us, apqn->stats.last_reclaim_us);
EP11_APQN_ATTR(relogins, apqn->stats.relogins);

static struct attribute *ep11_apqn_attrs[] = {
	&dev_attr_online.attr,
	&dev_attr_sessions_held.attr,
	&dev_attr_pending_logouts.attr,
	&dev_attr_logins.attr,
	&dev_attr_logouts.attr,
	&dev_attr_reclaimed.attr,
	&dev_attr_lost.attr,
	&dev_attr_errors.attr,
	&dev_attr_last_reclaim_us.attr,
	&dev_attr_relogins.attr,
	NULL,
};
ATTRIBUTE_GROUPS(ep11_apqn);

/* Device types, uevents and releases. */

static int ep11_card_uevent(struct device *dev, struct kobj_uevent_env *env)
{
	int ret;

	ret = add_uevent_var(env, "MODE=ep11");
	if (ret)
		return ret;
	return add_uevent_var(env, "ONLINE=%d",
			      ep11_card_any_online(to_sc(dev)->card));
}

static int ep11_apqn_uevent(struct device *dev, struct kobj_uevent_env *env)
{
	int ret;

	ret = add_uevent_var(env, "MODE=ep11");
	if (ret)
		return ret;
	return add_uevent_var(env, "ONLINE=%d",
			      ep11_apqn_is_online(to_sa(dev)->apqn));
}

static void ep11_card_dev_release(struct device *dev)
{
	struct ep11_sysfs_card *sc = to_sc(dev);

	ep11_card_put(sc->card);
	kfree(sc);
}

static void ep11_apqn_dev_release(struct device *dev)
{
	kfree(to_sa(dev));
}

static const struct device_type ep11_card_type = {
	.name = "ep11_card",
	.groups = ep11_card_groups,
	.uevent = ep11_card_uevent,
	.release = ep11_card_dev_release,
};

static const struct device_type ep11_apqn_type = {
	.name = "ep11_apqn",
	.groups = ep11_apqn_groups,
	.uevent = ep11_apqn_uevent,
	.release = ep11_apqn_dev_release,
};

/* Class attributes: the orphaned logouts (orphan.c). */

static ssize_t orphaned_logouts_show(struct class *class,
				     struct class_attribute *attr, char *buf)
{
	struct ep11_orphan_stats st;

	ep11_orphan_stats(&st);
	return sysfs_emit(buf, "%u\n", st.kept);
}
static CLASS_ATTR_RO(orphaned_logouts);

static ssize_t orphans_adopted_show(struct class *class,
				    struct class_attribute *attr, char *buf)
{
	struct ep11_orphan_stats st;

	ep11_orphan_stats(&st);
	return sysfs_emit(buf, "%llu\n", st.adopted);
}
static CLASS_ATTR_RO(orphans_adopted);

static ssize_t orphans_expired_show(struct class *class,
				    struct class_attribute *attr, char *buf)
{
	struct ep11_orphan_stats st;

	ep11_orphan_stats(&st);
	return sysfs_emit(buf, "%llu\n", st.expired);
}
static CLASS_ATTR_RO(orphans_expired);

static struct attribute *ep11_class_attrs[] = {
	&class_attr_orphaned_logouts.attr,
	&class_attr_orphans_adopted.attr,
	&class_attr_orphans_expired.attr,
	NULL,
};
ATTRIBUTE_GROUPS(ep11_class);

static struct class ep11_class = {
	.name = "ep11sess",
	.owner = THIS_MODULE,
	.class_groups = ep11_class_groups,
};

static void ep11_sysfs_card_del(struct ep11_sysfs_card *sc)
{
	unsigned int i = sc->napqns;

	while (i--)
		device_unregister(&sc->apqns[i]->dev);
	device_unregister(&sc->dev);
}

static int ep11_sysfs_apqn_add(struct ep11_sysfs_card *sc,
			       struct ep11_apqn *apqn)
{
	struct ep11_sysfs_apqn *sa;
	int ret;

	sa = kzalloc(sizeof(*sa), GFP_KERNEL);
	if (!sa)
		return -ENOMEM;
	sa->apqn = apqn;
	sa->online = ep11_apqn_is_online(apqn);
	device_initialize(&sa->dev);
	sa->dev.class = &ep11_class;
	sa->dev.type = &ep11_apqn_type;
	sa->dev.parent = &sc->dev;
	ret = dev_set_name(&sa->dev, "%02x.%04x", sc->card->id, apqn->domain);
	if (!ret)
		ret = device_add(&sa->dev);
	if (ret) {
		put_device(&sa->dev);
		return ret;
	}
	sc->apqns[sc->napqns++] = sa;
	return 0;
}

/**
 * ep11_sysfs_card_add() - create the devices of a card and its APQNs
 * @card: a card just entered into the registry
 *
 * Context: process context, may sleep; takes ep11_sysfs_lock.
 * Return: 0, -EEXIST when the card's devices exist, or -ENOMEM or the
 * driver core's error (nothing is left behind).
 */
int ep11_sysfs_card_add(struct ep11_card *card)
{
	struct ep11_sysfs_card *sc;
	unsigned int i;
	int ret;

	sc = kzalloc(struct_size(sc, apqns, card->napqns), GFP_KERNEL);
	if (!sc)
		return -ENOMEM;
	kref_get(&card->ref);
	sc->card = card;
	sc->online = ep11_card_any_online(card);
	device_initialize(&sc->dev);
	sc->dev.class = &ep11_class;
	sc->dev.type = &ep11_card_type;
	ret = dev_set_name(&sc->dev, "card%02x", card->id);
	if (ret)
		goto err_put;

	mutex_lock(&ep11_sysfs_lock);
	if (ep11_sysfs_cards[card->id]) {
		ret = -EEXIST;
		goto err_unlock;
	}
	ret = device_add(&sc->dev);
	if (ret)
		goto err_unlock;
	for (i = 0; i < card->napqns; i++) {
		ret = ep11_sysfs_apqn_add(sc, &card->apqns[i]);
		if (ret) {
			ep11_sysfs_card_del(sc);
			mutex_unlock(&ep11_sysfs_lock);
			pr_err("card%02x: cannot create its sysfs devices: %d\n",
			       card->id, ret);
			return ret;
		}
	}
	ep11_sysfs_cards[card->id] = sc;
	mutex_unlock(&ep11_sysfs_lock);
	return 0;

err_unlock:
	mutex_unlock(&ep11_sysfs_lock);
err_put:
	put_device(&sc->dev);
	pr_err("card%02x: cannot create its sysfs device: %d\n", card->id,
	       ret);
	return ret;
}

/**
 * ep11_sysfs_card_remove() - remove the devices of a card
 * @card: a card being unregistered
 *
 * Sends the remove uevents of the APQNs, then of the card.
 *
 * Context: process context, may sleep (waits for attribute reads in
 * progress); takes ep11_sysfs_lock.
 */
void ep11_sysfs_card_remove(struct ep11_card *card)
{
	struct ep11_sysfs_card *sc;

	mutex_lock(&ep11_sysfs_lock);
	sc = ep11_sysfs_cards[card->id];
	if (sc && sc->card == card) {
		ep11_sysfs_cards[card->id] = NULL;
		ep11_sysfs_card_del(sc);
	}
	mutex_unlock(&ep11_sysfs_lock);
}

static void ep11_sysfs_send_online(struct device *dev, bool online)
{
	char env[sizeof("ONLINE=0")];
	char *envp[2];

	snprintf(env, sizeof(env), "ONLINE=%d", online);
	envp[0] = env;
	envp[1] = NULL;

	kobject_uevent_env(&dev->kobj, KOBJ_CHANGE, envp);
}

/* An APQN's online state changed: announce what the registry says now. */
static void ep11_sysfs_online_changed(u8 card_id, u16 domain)
{
	struct ep11_sysfs_card *sc;
	unsigned int i;
	bool online;

	mutex_lock(&ep11_sysfs_lock);
	sc = ep11_sysfs_cards[card_id];
	if (!sc)
		goto out;
	for (i = 0; i < sc->napqns; i++) {
		struct ep11_sysfs_apqn *sa = sc->apqns[i];

		if (sa->apqn->domain != domain)
			continue;
		online = ep11_apqn_is_online(sa->apqn);
		if (online != sa->online) {
			sa->online = online;
			ep11_sysfs_send_online(&sa->dev, online);
		}
	}
	online = ep11_card_any_online(sc->card);
	if (online != sc->online) {
		sc->online = online;
		ep11_sysfs_send_online(&sc->dev, online);
	}
out:
	mutex_unlock(&ep11_sysfs_lock);
}

static int ep11_sysfs_event(struct notifier_block *nb, unsigned long type,
			    void *data)
{
	const struct ep11_event *ev = data;

	if (type == EP11_EV_ONLINE || type == EP11_EV_OFFLINE)
		ep11_sysfs_online_changed(ev->card, ev->domain);
	return NOTIFY_DONE;
}

static struct notifier_block ep11_sysfs_nb = {
	.notifier_call = ep11_sysfs_event,
};

/**
 * ep11_sysfs_init() - register the class and listen to online changes
 *
 * Context: module init, before any card can register.
 * Return: 0 or a negative errno.
 */
int ep11_sysfs_init(void)
{
	int ret;

	ret = class_register(&ep11_class);
	if (ret)
		return ret;
	ret = ep11_event_register(&ep11_sysfs_nb);
	if (ret)
		class_unregister(&ep11_class);
	return ret;
}

/**
 * ep11_sysfs_uninit() - unregister the class
 *
 * Providers depend on this module, so every card device is gone.
 *
 * Context: module exit.
 */
void ep11_sysfs_uninit(void)
{
	unsigned int i;

	ep11_event_unregister(&ep11_sysfs_nb);
	for (i = 0; i < EP11_SYSFS_CARDS; i++)
		WARN_ON(ep11_sysfs_cards[i]);
	class_unregister(&ep11_class);
}
