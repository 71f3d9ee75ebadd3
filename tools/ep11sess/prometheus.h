/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ep11sess status --prometheus: the kernel's figures in the Prometheus
 * text exposition format, to stdout or written atomically to a file for
 * node_exporter's textfile collector, once or every few seconds.
 */
#ifndef EP11SESS_PROMETHEUS_H
#define EP11SESS_PROMETHEUS_H

#include <stdbool.h>

#include "ep11sess.h"

/* Longest --watch interval, seconds (one day). */
#define EP11_PROM_WATCH_MAX	86400

/**
 * struct ep11_prom_opts - what status --prometheus was asked
 * @output: write this file atomically (temporary file, then rename), or
 *          NULL for stdout
 * @watch:  with @output: write it again every @watch seconds until
 *          SIGTERM or SIGINT; 0 for once
 * @cached: do not ask the cards for their counts
 * @f:      the --apqn filter
 */
struct ep11_prom_opts {
	const char *output;
	unsigned int watch;
	bool cached;
	const struct ep11_filter *f;
};

/**
 * ep11_prom_check() - check the options before anything is done
 * @o: the options
 *
 * Return: %EP11_EXIT_OK, or %EP11_EXIT_USAGE after printing the problem.
 */
int ep11_prom_check(const struct ep11_prom_opts *o);

/**
 * ep11_prom_run() - print or write the metrics, once or with --watch
 * @o: the checked options
 *
 * Return: an exit code.
 */
int ep11_prom_run(const struct ep11_prom_opts *o);

#endif /* EP11SESS_PROMETHEUS_H */
